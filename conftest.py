"""Shared test setup: fast settings, a clean cache per test, and the personas."""

from __future__ import annotations

import gc
import itertools
import os
from urllib.parse import urlsplit, urlunsplit

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import override_settings

from portfolio.models import User

DEFAULT_PASSWORD = "correct-horse-battery-staple"
_serial = itertools.count(1)


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # WhiteNoise otherwise indexes every static file each time a test client builds
    # its middleware (~50 ms a test); looking files up per request is plenty here.
    settings.WHITENOISE_AUTOREFRESH = True
    # No collectstatic output exists in a fresh clone: serve from the app's static dirs.
    settings.WHITENOISE_USE_FINDERS = True


@pytest.fixture(scope="session", autouse=True)
def _redis_database_per_worker():
    """pytest-xdist runs the suite in several processes, and tests flush their Redis
    database between tests: each worker gets its own database number (REDIS_URL's,
    then the next ones), and the local-memory default needs nothing."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    config = django_settings.CACHES["default"]
    if not worker.startswith("gw") or not str(config["LOCATION"]).startswith("redis"):
        yield
        return
    parts = urlsplit(config["LOCATION"])
    database = (int(parts.path.strip("/") or 0) + int(worker[2:])) % 16
    location = urlunsplit(parts._replace(path=f"/{database}"))
    with override_settings(CACHES={"default": {**config, "LOCATION": location}}):
        yield


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def make_user(username: str | None = None, **extra) -> User:
    username = username or f"user{next(_serial)}"
    email = extra.pop("email", f"{username}@example.com")
    password = extra.pop("password", DEFAULT_PASSWORD)
    user = User.objects.create_user(email=email, username=username, password=password, **extra)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def user_factory(db):
    return make_user


# The personas: username and display name.
PEOPLE = {
    "learner": ("lena", "Lena Learner"),
    "peer": ("pete", "Pete Peer"),
    "mentor": ("maya", "Maya Mentor"),
    "organizer": ("otto", "Otto Organizer"),
    "outsider": ("oscar", "Oscar Outsider"),
}


def make_persona(persona: str) -> User:
    username, name = PEOPLE[persona]
    return make_user(username, display_name=name)


@pytest.fixture
def learner(db) -> User:
    return make_persona("learner")


@pytest.fixture
def peer(db) -> User:
    return make_persona("peer")


@pytest.fixture
def mentor(db) -> User:
    return make_persona("mentor")


@pytest.fixture
def organizer(db) -> User:
    return make_persona("organizer")


@pytest.fixture
def outsider(db) -> User:
    return make_persona("outsider")


@pytest.fixture
def visitor():
    """Nobody signed in: an anonymous client stands for the visitor."""
    return None


@pytest.fixture
def cohort(db, learner, peer, mentor, organizer):
    """A cohort where learner and peer learn, mentor mentors and organizer organizes."""
    return build_cohort(learner, peer, mentor, organizer)


def build_cohort(learner, peer, mentor, organizer):
    from portfolio.models import Cohort, Membership, Role

    cohort = Cohort.objects.create(
        name="ProDev Backend 7", slug="prodev-7", program="ProDev Backend Engineering"
    )
    for user, role in [
        (organizer, Role.ORGANIZER),
        (mentor, Role.MENTOR),
        (learner, Role.LEARNER),
        (peer, Role.LEARNER),
    ]:
        Membership.objects.create(user=user, cohort=cohort, role=role)
    return cohort


@pytest.fixture
def other_cohort(db, outsider):
    """A cohort none of the personas but the outsider belongs to (as its organizer)."""
    return build_other_cohort(outsider)


def build_other_cohort(outsider):
    from portfolio.models import Cohort, Membership, Role

    other = Cohort.objects.create(name="Frontend 3", slug="frontend-3")
    Membership.objects.create(user=outsider, cohort=other, role=Role.ORGANIZER)
    return other


def make_invite(cohort, role="learner", **extra):
    from datetime import timedelta

    from django.utils import timezone

    from portfolio.models import Invite

    extra.setdefault("expires_at", timezone.now() + timedelta(days=7))
    return Invite.objects.create(cohort=cohort, role=role, **extra)


@pytest.fixture
def personas(learner, peer, mentor, organizer, outsider, other_cohort, cohort):
    return {
        "visitor": None,
        "outsider": outsider,
        "learner": learner,
        "peer": peer,
        "mentor": mentor,
        "organizer": organizer,
    }


def make_page(author, cohort, *, title="My journey", visibility="mentors", sections=2, **extra):
    from portfolio.models import Page
    from portfolio.services import unique_page_slug

    page = Page.objects.create(
        author=author,
        cohort=cohort,
        title=title,
        title_source=f"# {title}\n\n",
        slug=unique_page_slug(author, title),
        visibility=visibility,
        **extra,
    )
    for n in range(sections):
        page.add_section(
            heading=f"Section {n + 1}", body=f"Body of **section {n + 1}**.", by=author
        )
    return page


@pytest.fixture
def journal(learner, cohort):
    """The learner's page in the cohort, visible to mentors (the default)."""
    return make_page(learner, cohort)


@pytest.fixture
def objects(personas, cohort):
    """One of everything the URL matrix needs, around the learner's page."""
    return build_objects(personas, cohort)


def build_objects(personas, cohort):
    from portfolio.models import Comment, Membership, Notification, Revision, SavedReply

    journal = make_page(personas["learner"], cohort, sections=3)
    journal.tags.create(name="Django", slug="django")
    first, _, last = journal.sections.order_by("position")
    last.remove(by=personas["learner"])
    return {
        "cohort": cohort,
        "learner_membership": Membership.objects.get(user=personas["learner"], cohort=cohort),
        "invite": make_invite(cohort),
        "page": journal,
        "section": first,
        "deleted": Revision.objects.get(kind="deleted"),
        "in_review": make_page(personas["peer"], cohort, title="Waiting", status="in_review"),
        "saved_reply": SavedReply.objects.create(
            cohort=cohort, owner=personas["mentor"], title="Example", body="Add an example."
        ),
        "notification": Notification.objects.create(
            recipient=personas["learner"], kind="comment", verb="commented", url="/"
        ),
        "comment": Comment.objects.create(
            page=journal,
            section=first,
            section_uid=first.uid,
            author=personas["mentor"],
            body="Root",
            page_version=1,
            section_version=1,
        ),
    }


# The longest test files start first, so the two test processes finish together instead
# of one of them running the last long file alone (pytest-xdist hands out whole files
# in collection order; test_stack.py, collected last, made a ~90 s tail).
LONGEST_FIRST = (
    "portfolio/tests/web/test_stack.py",
    "e2e/test_accessibility_desktop.py",
    "e2e/test_accessibility_phone.py",
    "portfolio/tests/test_xss.py",
    "portfolio/tests/test_hostile_requests.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Like the served site (site_config/wsgi.py), tests run with what was loaded
    before them moved out of the garbage collector's way: a full collection walked
    every test item and module, 0.1-0.25 s in the middle of a timed request."""
    gc.collect()
    gc.freeze()
