from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def production(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    return settings


def test_every_security_header_is_on_a_real_response(client, production):
    response = client.get(reverse("home"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    csp = response["Content-Security-Policy"]
    for directive in [
        "default-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "object-src 'none'",
    ]:
        assert directive in csp
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "'nonce-" in script_src
    assert "unsafe-inline" not in script_src and "unsafe-eval" not in csp


@pytest.mark.parametrize("path", ["static", "cached page"])
def test_static_files_and_cached_pages_carry_the_headers_too(client, production, path, learner):
    from django.contrib.staticfiles.storage import staticfiles_storage

    from conftest import make_page
    from portfolio.models import Cohort

    if path == "static":
        url = staticfiles_storage.url("css/nexus.css")
    else:
        cohort = Cohort.objects.create(name="C", slug="c")
        url = make_page(learner, cohort, visibility="public").get_absolute_url()
        client.get(url, secure=True)
    response = client.get(url, secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_plain_http_is_sent_to_https(client, production):
    response = client.get(reverse("home"))
    assert response.status_code == 301 and response["Location"].startswith("https://")


def test_session_and_csrf_cookies_are_secure_httponly_and_samesite(client, production, learner):
    login = client.get(reverse("account_login"), secure=True)
    csrf = login.cookies["csrftoken"]
    assert csrf["secure"] and csrf["samesite"] == "Lax"
    response = client.post(
        reverse("account_login"),
        {"login": "lena@example.com", "password": DEFAULT_PASSWORD},
        secure=True,
    )
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
