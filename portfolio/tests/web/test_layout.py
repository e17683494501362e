from __future__ import annotations

import json

import pytest
from django.contrib import messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse, HttpResponseRedirect
from django.test import RequestFactory
from django.urls import reverse
from django_htmx.middleware import HtmxMiddleware

from portfolio.web.middleware import HtmxMessagesMiddleware

pytestmark = pytest.mark.django_db


def test_visitors_get_a_landing_page_that_says_what_nexus_is(client):
    html = client.get(reverse("home")).content.decode()
    assert html.count("<h1") == 1
    assert "learning journals" in html
    assert reverse("account_signup") in html
    assert "hx-headers" not in html  # no CSRF token on pages a visitor may share


def test_signed_in_users_land_on_their_dashboard(client, learner):
    client.force_login(learner)
    html = client.get(reverse("home")).content.decode()
    assert "Welcome, Lena Learner" in html
    assert html.count("<h1") == 1
    assert 'hx-headers=\'{"X-CSRFToken": "' in html


def test_the_layout_has_landmarks_a_skip_link_and_htmx(client):
    html = client.get(reverse("home")).content.decode()
    for needle in ['<header class="site-header"', '<main id="main"', "<footer", 'href="#main"']:
        assert needle in html
    assert "django_htmx/htmx-2.min.js" in html
    assert 'id="toasts" role="status" aria-live="polite"' in html


def test_htmx_is_configured_safely(client):
    html = client.get(reverse("home")).content.decode()
    start = html.index('name="htmx-config" content=\'') + len('name="htmx-config" content=\'')
    config = json.loads(html[start : html.index("'", start)])
    assert config["selfRequestsOnly"] is True
    assert config["allowEval"] is False
    assert config["allowScriptTags"] is False
    assert config["historyCacheSize"] == 0
    assert config["includeIndicatorStyles"] is False


def test_every_script_carries_the_csp_nonce(client):
    response = client.get(reverse("home"))
    html = response.content.decode()
    nonce = response["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert html.count("<script") == html.count(f'nonce="{nonce}"') > 0
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_messages_show_as_toasts_on_full_pages(client, learner):
    client.force_login(learner)
    client.post(reverse("account_logout"))
    html = client.get(reverse("home")).content.decode()
    assert 'class="toast toast-success"' in html
    assert "You are logged out. See you soon." in html


def _request_with_message(htmx: bool):
    request = RequestFactory().get("/", headers={"HX-Request": "true"} if htmx else {})
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    messages.success(request, "Saved your section.")
    return request


def _run(request, response):
    return HtmxMiddleware(HtmxMessagesMiddleware(lambda r: response))(request)


def test_htmx_responses_carry_messages_in_hx_trigger():
    response = _run(_request_with_message(htmx=True), HttpResponse("fragment"))
    event = json.loads(response["HX-Trigger"])["nexus:messages"]
    assert event == {"messages": [{"level": "success", "text": "Saved your section."}]}


def test_redirects_and_full_pages_keep_their_messages_for_the_template():
    request = _request_with_message(htmx=True)
    response = _run(request, HttpResponseRedirect("/next/"))
    assert "HX-Trigger" not in response
    assert [str(m) for m in messages.get_messages(request)] == ["Saved your section."]
    assert "HX-Trigger" not in _run(_request_with_message(htmx=False), HttpResponse("page"))


def test_unknown_urls_get_a_friendly_404_page(client):
    response = client.get("/no-such-place/")
    assert response.status_code == 404
    assert "couldn’t find that page" in response.content.decode()


def test_the_500_page_needs_no_database(client):
    from portfolio.views.core import server_error

    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content


def test_static_files_are_served_with_whitenoise(client, settings):
    settings.WHITENOISE_USE_FINDERS = True
    response = client.get("/static/css/nexus.css")
    assert response.status_code == 200
    assert b"--accent" in b"".join(response.streaming_content)
