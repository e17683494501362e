"""Faults and scale-out against real services: a private PostgreSQL cluster and Redis
that these tests start, stop and restart, and production gunicorn processes in front.

- Two app processes share one PostgreSQL and one Redis: a session started on one is
  good on the other, and a write through either is what both show next, cached public
  pages included.
- Redis stopped while the site runs: pages keep answering, signing in still works (the
  rate-limit counters fall back to each process's memory), caching resumes by itself.
- PostgreSQL restarted while the site runs: the next requests succeed, with persistent
  connections and with the connection pool, and cached public pages keep answering
  while the database is down.
"""

from __future__ import annotations

import json

import pytest

from portfolio.tests import stack

pytestmark = pytest.mark.skipif(
    bool(stack.missing_tools()),
    reason=f"needs {', '.join(stack.missing_tools())} (CI installs them)",
)

PASSWORD = "stack-test-password-1"

SETUP = f"""
import json
from allauth.account.models import EmailAddress
from portfolio.models import Cohort, Membership, Page, Role, User

cohort = Cohort.objects.create(name="Stack Cohort", slug="stack")
lena = User.objects.create_user(email="lena@example.com", username="lena", password="{PASSWORD}",
                                display_name="Lena Learner")
EmailAddress.objects.create(user=lena, email=lena.email, verified=True, primary=True)
Membership.objects.create(user=lena, cohort=cohort, role=Role.LEARNER)
page = Page.objects.create(author=lena, cohort=cohort, title="Journey", slug="journey",
                           visibility="public")
section = page.add_section(heading="Overview", body="First words.", by=lena)
print(json.dumps({{"section": section.pk}}))
"""


@pytest.fixture(scope="module")
def services():
    postgres = stack.PostgresCluster().init()
    redis = stack.RedisServer().start()
    env = stack.app_environment(postgres.url, redis.url)
    try:
        stack.manage(env, "migrate", "--noinput")
        stack.collectstatic(env)
        ids = json.loads(stack.manage(env, "shell", "-c", SETUP).strip().splitlines()[-1])
        yield {"postgres": postgres, "redis": redis, "env": env, **ids}
    finally:
        redis.stop()
        postgres.destroy()


@pytest.fixture
def apps(services):
    """Two app processes, as two machines behind a load balancer would run them."""
    started = []
    try:
        for _ in range(2):
            started.append(stack.AppServer(services["env"]).start())
        yield started
    finally:
        for app in started:
            app.stop()


def edit_section(visitor, base, section_pk, body):
    edit_url = f"{base}/@lena/journey/sections/{section_pk}/edit/"
    form = visitor.get(edit_url)
    assert form.status == 200, form.text[:500]
    version = stack.hidden_input(form.text, "version")
    return visitor.post(edit_url, {"heading": "Overview", "body": body, "version": version})


def signed_in_as_lena(reply) -> bool:
    return reply.status == 200 and "Lena Learner" in reply.text


def test_two_processes_share_sessions_writes_and_cache_invalidation(services, apps):
    one, two = apps
    lena = stack.Visitor()
    assert lena.log_in(one.base, "lena@example.com", PASSWORD).status == 302

    # The session started on one process is good on the other.
    assert signed_in_as_lena(lena.get(f"{two.base}/"))
    assert signed_in_as_lena(lena.get(f"{one.base}/"))

    # A visitor warms the public page's cache on both processes (one shared Redis).
    reader = stack.Visitor()
    public = "/@lena/journey/"
    assert reader.get(one.base + public).headers["X-Cache"] == "miss"
    assert reader.get(two.base + public).headers["X-Cache"] == "hit"

    # Writes alternate between the processes; each shows the other's latest words,
    # signed in and to visitors, with no stale cached copy anywhere.
    section = services["section"]
    for turn, (writer, other) in enumerate([(one, two), (two, one), (one, two), (two, one)]):
        words = f"Edited through process {writer.port}, turn {turn}."
        assert edit_section(lena, writer.base, section, words).status == 302
        mine = lena.get(other.base + public)
        assert mine.status == 200 and words in mine.text
        theirs = reader.get(other.base + public)
        assert theirs.status == 200 and words in theirs.text
        assert theirs.headers["X-Cache"] == "miss"
        again = reader.get(writer.base + public)
        assert words in again.text and again.headers["X-Cache"] == "hit"

    # Signing out on one process ends the session on both.
    token = lena.cookie("csrftoken")
    assert lena.post(f"{two.base}/accounts/logout/", {"csrfmiddlewaretoken": token}).status == 302
    after = lena.get(f"{one.base}/cohorts/")
    assert after.status == 302 and "/accounts/login/" in after.headers["Location"]


def test_redis_stopped_while_the_site_runs(services, apps):
    app, _ = apps
    redis = services["redis"]
    lena = stack.Visitor()
    assert lena.log_in(app.base, "lena@example.com", PASSWORD).status == 302
    reader = stack.Visitor()
    public = app.base + "/@lena/journey/"
    reader.get(public)
    assert reader.get(public).headers["X-Cache"] == "hit"

    redis.stop()
    try:
        down = reader.get(public)
        assert down.status == 200 and down.headers["X-Cache"] == "miss"
        assert "Journey" in down.text
        # Signed-in pages answer: sessions live in PostgreSQL; the cache is a bonus.
        assert signed_in_as_lena(lena.get(app.base + "/@lena/journey/"))
        # Signing in still works: rate-limit counters fall back to process memory.
        newcomer = stack.Visitor()
        assert newcomer.log_in(app.base, "lena@example.com", PASSWORD).status == 302
        assert signed_in_as_lena(newcomer.get(app.base + "/"))
        # ...and still limit: after five wrong passwords for one account, even the
        # right one is turned away for a while (allauth's login_failed, 5 per 5 min).
        attacker = stack.Visitor()
        # Counters are per process meanwhile: with two workers the attacker gets at
        # most twice the allowance (README, "When Redis or PostgreSQL go away").
        replies = [attacker.log_in(app.base, "lena@example.com", f"wrong-{n}") for n in range(11)]
        assert all(reply.status == 200 for reply in replies)
        throttled = ["Too many failed login attempts" in reply.text for reply in replies]
        assert not any(throttled[:5]) and any(throttled)
        health = reader.get(app.base + "/healthz")
        assert health.status == 503 and json.loads(health.text)["cache"] == "unavailable"
    finally:
        if redis.process is None:
            redis.start()
    # Caching resumes by itself once Redis is back: the circuit breaker leaves Redis
    # alone for five seconds after a failure, then tries again.
    assert reader.get(app.base + "/healthz").status == 200
    stack.wait_for(
        lambda: reader.get(public).headers["X-Cache"] == "hit", timeout=15, what="a cache hit"
    )


@pytest.mark.parametrize("pool", [False, True], ids=["persistent", "pool"])
def test_postgres_restarted_while_the_site_runs(services, pool):
    env = dict(services["env"])
    if pool:
        # The pool reconnects in the background, backing off while the server is
        # down, so right after the restart a request may wait for it (up to
        # DB_POOL_TIMEOUT, 10 s) instead of failing.
        env["DATABASE_URL"] += "?pool=true"
    app = stack.AppServer(env, workers=3).start()
    try:
        lena = stack.Visitor()
        assert lena.log_in(app.base, "lena@example.com", PASSWORD).status == 302
        reader = stack.Visitor()
        public = app.base + "/@lena/journey/"
        # Warm every worker's connection so the restart breaks live ones.
        for _ in range(8):
            assert signed_in_as_lena(lena.get(app.base + "/"))
            reader.get(public)

        services["postgres"].stop()
        try:
            # The database is down: health says so, cached public pages still answer.
            if not pool:  # with the pool, health waits DB_POOL_TIMEOUT first
                health = reader.get(app.base + "/healthz")
                assert health.status == 503
                assert json.loads(health.text)["database"] == "unavailable"
            cached = reader.get(public)
            assert cached.status == 200 and cached.headers["X-Cache"] == "hit"
        finally:
            services["postgres"].start()

        # Back up: every next request succeeds, on every worker, without a restart.
        for _ in range(12):
            assert signed_in_as_lena(lena.get(app.base + "/"))
        assert reader.get(app.base + "/healthz").status == 200
        words = f"Written after the restart ({'pool' if pool else 'persistent'})."
        assert edit_section(lena, app.base, services["section"], words).status == 302
        assert words in reader.get(public).text
        # No request failed with a server error, before, during or after the restart.
        assert "Internal Server Error" not in app.output()
        assert "Traceback" not in app.output()
    finally:
        app.stop()
