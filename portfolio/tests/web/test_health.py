from __future__ import annotations

import pytest
from django.db import OperationalError
from django.urls import reverse

from conftest import DEFAULT_PASSWORD

UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "portfolio.web.cache.ResilientRedisCache",
        # Port 9 (discard) is closed here, so every connection is refused at once.
        "LOCATION": "redis://127.0.0.1:9/0",
        "OPTIONS": {
            "SOCKET_CONNECT_TIMEOUT": 0.2,
            "SOCKET_TIMEOUT": 0.2,
        },
    }
}


@pytest.mark.django_db
def test_healthz_answers_ok_when_database_and_cache_answer(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_names_the_cache_when_it_is_down(client, settings):
    settings.CACHES = UNREACHABLE_REDIS
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "cache": "unavailable"}


@pytest.mark.django_db
def test_healthz_names_the_database_when_it_is_down(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("portfolio.web.health.connection.cursor", refuse)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"
    assert response.json()["cache"] == "ok"


def test_healthz_refuses_writes(client):
    assert client.post(reverse("healthz")).status_code == 405


@pytest.mark.django_db
def test_pages_still_answer_with_redis_unreachable(client, settings, user_factory, caplog):
    settings.CACHES = UNREACHABLE_REDIS
    user_factory("ravi")
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("account_login")).status_code == 200
    response = client.post(
        reverse("account_login"), {"login": "ravi@example.com", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    # The session was stored in the database, so the next request is signed in.
    dashboard = client.get(reverse("home"))
    assert dashboard.status_code == 200
    assert b"Welcome, ravi" in dashboard.content
    assert any(record.name == "nexus.cache" for record in caplog.records)
