from __future__ import annotations

import shutil
import time

import pytest
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone

from conftest import make_page
from portfolio.models import Page
from portfolio.tests import stack
from portfolio.web import cache as resilient
from portfolio.web import pagecache

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def public(learner, cohort):
    page = make_page(learner, cohort, title="Public journey", visibility="public")
    page.summary = "What I learned."
    page.save()
    return page


def get(client, path, **headers):
    return client.get(path, headers=headers)


def test_a_second_anonymous_visit_is_served_from_the_cache_without_queries(
    client, public, django_assert_num_queries
):
    first = client.get(public.get_absolute_url())
    assert first["X-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = client.get(public.get_absolute_url())
    assert second["X-Cache"] == "hit"
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]
    assert "public" in second["Cache-Control"] and "max-age=60" in second["Cache-Control"]
    assert {"HX-Request", "Cookie"} <= {v.strip() for v in second["Vary"].split(",")}


SHARED_HEADERS = [
    "Content-Type", "Content-Security-Policy", "X-Frame-Options", "Vary", "Cache-Control",
    "ETag", "Permissions-Policy", "Referrer-Policy", "X-Content-Type-Options",
    "Cross-Origin-Opener-Policy", "Strict-Transport-Security",
]  # fmt: skip


@pytest.mark.parametrize("kind", ["page", "profile"])
def test_a_hit_carries_every_header_the_miss_had(client, settings, public, kind):
    settings.SECURE_HSTS_SECONDS = 3600
    url = public.get_absolute_url() if kind == "page" else reverse("profile", args=["lena"])
    miss = client.get(url, secure=True)
    hit = client.get(url, secure=True)
    assert (miss["X-Cache"], hit["X-Cache"]) == ("miss", "hit")
    for name in SHARED_HEADERS:
        assert hit.headers.get(name) == miss.headers.get(name) is not None, name
    assert "nonce-" not in hit["Content-Security-Policy"]
    assert "Set-Cookie" not in hit.headers and not hit.cookies


def test_a_hit_is_answered_before_sessions_and_views_run(client, public, monkeypatch):
    client.get(public.get_absolute_url())

    def explode(*args, **kwargs):
        raise AssertionError("the stack below the page cache ran for a hit")

    monkeypatch.setattr("django.contrib.sessions.middleware.SessionMiddleware.__call__", explode)
    monkeypatch.setattr("portfolio.views.pages.render", explode)
    assert client.get(public.get_absolute_url())["X-Cache"] == "hit"


def test_a_repeat_visit_gets_304_and_a_changed_page_never_does(client, learner, public):
    etag = client.get(public.get_absolute_url())["ETag"]
    assert client.get(public.get_absolute_url(), headers={"If-None-Match": etag}).status_code == 304
    section = public.sections.first()
    section.page = public
    section.save_text(heading="Changed", body="New words", base_version=1, by=learner)
    response = client.get(public.get_absolute_url(), headers={"If-None-Match": etag})
    assert response.status_code == 200 and b"New words" in response.content
    assert response["ETag"] != etag


@pytest.mark.parametrize(
    "change",
    ["title", "section", "tag", "status", "author_name", "program", "move", "delete_section"],
)
def test_every_change_is_visible_on_the_next_request(client, learner, cohort, public, change):
    client.get(public.get_absolute_url())
    client.get(reverse("profile", args=["lena"]))
    section = public.sections.first()
    section.page = public
    expected = {
        "title": "Renamed journey",
        "section": "Fresh words",
        "tag": "GraphQL",
        "status": "approved <time",
        "author_name": "Lena L. Learner",
        "program": "ProDev Eight Program",
        "move": "Section 2",
        "delete_section": "Section 2",
    }[change]
    if change == "title":
        public.save_meta(title="Renamed journey", summary="", base_version=1)
    elif change == "section":
        section.save_text(heading="S", body="Fresh words", base_version=1, by=learner)
    elif change == "tag":
        public.tags.create(name="GraphQL", slug="graphql")
    elif change == "status":
        Page.objects.filter(pk=public.pk).update(status="approved", approved_at=timezone.now())
        public.refresh_from_db()
        public.save()
    elif change == "author_name":
        learner.display_name = "Lena L. Learner"
        learner.save()
    elif change == "program":
        cohort.program = "ProDev Eight Program"
        cohort.save()
    elif change == "move":
        public.move_section(section, "down")
    elif change == "delete_section":
        section.remove(by=learner)
    page_html = client.get(public.get_absolute_url()).content.decode()
    if change == "move":
        assert page_html.index("Section 2") < page_html.index("Section 1")
    elif change == "delete_section":
        assert "Section 1" not in page_html
    else:
        assert expected in page_html
    if change in {"title", "author_name"}:
        assert expected in client.get(reverse("profile", args=["lena"])).content.decode()


def test_a_page_turned_private_is_gone_from_the_cache_at_once(client, public):
    assert client.get(public.get_absolute_url()).status_code == 200
    public.visibility = "private"
    public.save()
    assert client.get(public.get_absolute_url()).status_code == 404
    assert "Public journey" not in client.get("/@lena/").content.decode()


def test_a_signed_in_users_page_never_reaches_a_visitor(client, learner, mentor, public):
    client.force_login(mentor)
    signed_in = client.get(public.get_absolute_url())
    assert "private" in signed_in["Cache-Control"]
    assert b"X-CSRFToken" in signed_in.content and b"Maya Mentor" in signed_in.content
    client.logout()
    client.cookies.clear()
    visitor = client.get(public.get_absolute_url())
    html = visitor.content.decode()
    assert "Maya Mentor" not in html and "X-CSRFToken" not in html
    assert "csrfmiddlewaretoken" not in html and "nonce=" not in html
    assert "'nonce-" not in visitor["Content-Security-Policy"]


def test_htmx_and_full_page_requests_never_share_an_entry(client, public):
    full = client.get(public.get_absolute_url())
    partial = client.get(public.get_absolute_url(), headers={"HX-Request": "true"})
    assert (full["X-Cache"], partial["X-Cache"]) == ("miss", "miss")
    again = client.get(public.get_absolute_url())
    assert again["X-Cache"] == "hit" and again.content == full.content


def test_a_404_is_never_cached_as_a_200_or_the_other_way(client, learner, cohort):
    assert client.get("/@lena/later/").status_code == 404
    make_page(learner, cohort, title="Later", visibility="public")
    assert client.get("/@lena/later/").status_code == 200
    private = make_page(learner, cohort, title="Hidden")
    assert client.get(private.get_absolute_url()).status_code == 404
    private.visibility = "public"
    private.save()
    assert client.get(private.get_absolute_url()).status_code == 200


def test_two_visitors_see_the_same_bytes(public):
    from django.test import Client

    one, two = Client(), Client()
    assert one.get(public.get_absolute_url()).content == two.get(public.get_absolute_url()).content


def test_a_session_or_message_cookie_bypasses_the_cache(client, public):
    client.get(public.get_absolute_url())
    client.cookies["messages"] = "x"
    response = client.get(public.get_absolute_url())
    assert "X-Cache" not in response and "private" in response["Cache-Control"]


def test_hits_and_misses_are_counted_and_shown_to_staff(client, public, user_factory):
    before = dict(pagecache.STATS)
    client.get(public.get_absolute_url())
    client.get(public.get_absolute_url())
    assert pagecache.STATS["misses"] == before["misses"] + 1
    assert pagecache.STATS["hits"] == before["hits"] + 1
    assert "page_cache" not in client.get("/healthz?detail=1").json()
    client.force_login(user_factory("boss", is_staff=True))
    detail = client.get("/healthz?detail=1").json()
    assert detail["page_cache"]["hits"] >= 1


# Redis itself: a private server the tests start and stop ---------------------------


@pytest.fixture
def private_redis(settings, monkeypatch):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed here (CI installs it)")
    server = stack.RedisServer().start()
    monkeypatch.setattr(resilient.ResilientRedisCache, "RETRY_AFTER", 0.2)
    settings.CACHES = {
        "default": {
            "BACKEND": "portfolio.web.cache.ResilientRedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.3, "SOCKET_TIMEOUT": 0.3},
        }
    }
    yield server
    server.stop()
    caches["default"].close()


def test_redis_stopped_pages_still_answer_and_redis_back_caching_resumes(
    client, public, private_redis, caplog
):
    assert client.get(public.get_absolute_url())["X-Cache"] == "miss"
    assert client.get(public.get_absolute_url())["X-Cache"] == "hit"
    private_redis.stop()
    down = client.get(public.get_absolute_url())
    assert down.status_code == 200 and down["X-Cache"] == "miss"
    assert "unreachable" in caplog.text
    private_redis.start()
    time.sleep(0.3)
    assert client.get(public.get_absolute_url())["X-Cache"] == "miss"
    assert client.get(public.get_absolute_url())["X-Cache"] == "hit"


@pytest.mark.parametrize("with_pages", [False, True], ids=["no-pages", "with-pages"])
def test_a_deleted_account_leaves_the_public_cache_at_once(client, cohort, with_pages):
    from conftest import make_user

    zed = make_user("zed", display_name="Zed")
    urls = [reverse("profile", args=["zed"])]
    if with_pages:
        urls.append(make_page(zed, cohort, visibility="public").get_absolute_url())
    for url in urls:
        client.get(url)
        assert client.get(url)["X-Cache"] == "hit"
    zed.delete()
    for url in urls:
        assert client.get(url).status_code == 404


def test_a_reviewers_new_name_empties_the_cache_of_the_pages_they_reviewed(client, public, mentor):
    """Visitors do not see who reviewed (the review is the cohort's), but whatever a
    cached page may ever show of its reviewer is fresh after a rename."""
    from portfolio.services import page_submit, review_submit

    page_submit(page=public, by=public.author)
    review_submit(page=public, reviewer=mentor, verdict="approved", summary="Well done.")
    client.get(public.get_absolute_url())
    hit = client.get(public.get_absolute_url())
    assert hit["X-Cache"] == "hit" and "Maya Mentor" not in hit.content.decode()
    mentor.display_name = "Maya Okafor"
    mentor.save()
    assert client.get(public.get_absolute_url())["X-Cache"] == "miss"


def test_a_change_moves_the_authors_generation_on_once(public, learner):
    from django.core.cache import cache

    from portfolio.generations import author_key

    client_key = author_key("lena")
    before = cache.get(client_key) or 0
    public.save_meta(title="New title", summary="New summary", base_version=public.version)
    # The page row's save and the content change each ask; the generation moves once.
    assert cache.get(client_key) == before + 1


def test_signing_in_does_not_empty_the_cache(client, public, learner):
    client.get(public.get_absolute_url())
    client.force_login(learner)
    learner.save(update_fields=["last_login"])
    client.logout()
    assert client.get(public.get_absolute_url())["X-Cache"] == "hit"
