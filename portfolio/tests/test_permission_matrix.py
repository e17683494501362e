"""Every URL × every persona × the status they get. The guard test below fails when a
named URL has no row, so a new view cannot ship without deciding who may use it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from conftest import PEOPLE, build_cohort, build_objects, build_other_cohort, make_persona
from portfolio.notifications import unsubscribe_token

PERSONAS = ["visitor", "outsider", "learner", "peer", "mentor", "organizer"]
LOGIN = 302  # visitors are sent to the login page


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(PERSONAS, status)


def members_only(status: int, *, visitor: int = LOGIN) -> dict[str, int]:
    return {
        "visitor": visitor,
        "outsider": 404,
        **dict.fromkeys(["learner", "peer", "mentor", "organizer"], status),
    }


def organizers_only(status: int) -> dict[str, int]:
    return {**members_only(403), "organizer": status}


def page_readers(status: int) -> dict[str, int]:
    """A page visible to mentors (the default): its author, mentors and organizers."""
    return {
        "visitor": 404,
        "outsider": 404,
        "peer": 404,
        **dict.fromkeys(["learner", "mentor", "organizer"], status),
    }


def author_only(status: int) -> dict[str, int]:
    return {**page_readers(403), "visitor": LOGIN, "learner": status}


@dataclass
class Row:
    name: str
    method: str
    expected: dict[str, int]
    args: Callable[[dict], list] = lambda objects: []
    data: dict = field(default_factory=dict)


def slug(objects: dict) -> list:
    return [objects["cohort"].slug]


def learner_membership(objects: dict) -> list:
    return [objects["cohort"].slug, objects["learner_membership"].pk]


def invite(objects: dict) -> list:
    return [objects["cohort"].slug, objects["invite"].pk]


def token(objects: dict) -> list:
    return [objects["invite"].token]


def page(objects: dict) -> list:
    return ["lena", objects["page"].slug]


def section(objects: dict) -> list:
    return [*page(objects), objects["section"].pk]


def tag(objects: dict) -> list:
    return [*page(objects), "django"]


def deleted(objects: dict) -> list:
    return [*page(objects), objects["deleted"].pk]


def live_revision(objects: dict) -> list:
    return [*page(objects), objects["section"].revisions.order_by("pk").first().pk]


def comment(objects: dict) -> list:
    return [*page(objects), objects["comment"].pk]


def comment_author_only(status: int) -> dict[str, int]:
    """The fixture's comment was written by the mentor."""
    return {**page_readers(403), "visitor": LOGIN, "mentor": status}


def reviewers(status: int, *, outsider: int = 404) -> dict[str, int]:
    return {
        "visitor": LOGIN,
        "outsider": outsider,
        "peer": 403,
        "learner": 403,
        "mentor": status,
        "organizer": status,
    }


def page_reviewers(status: int) -> dict[str, int]:
    return {**reviewers(status), "peer": 404}


def in_review(objects: dict) -> list:
    return [objects["cohort"].slug, objects["in_review"].pk]


def saved_reply(objects: dict) -> list:
    return [objects["cohort"].slug, objects["saved_reply"].pk]


def notification(objects: dict) -> list:
    return [objects["notification"].pk]


def unsubscribe(objects: dict) -> list:
    return [unsubscribe_token(objects["notification"].recipient)]


def signed_in(status: int) -> dict[str, int]:
    return {**everyone(status), "visitor": LOGIN}


SECTION_SAVE = {"heading": "New heading", "body": "New body", "version": 1}


MATRIX = [
    Row("home", "get", everyone(200)),
    Row("healthz", "get", everyone(200)),
    Row("cohort_list", "get", {**everyone(200), "visitor": LOGIN}),
    Row("cohort_create", "get", {**everyone(200), "visitor": LOGIN}),
    Row("cohort_create", "post", {**everyone(422), "visitor": LOGIN}, data={"name": ""}),
    Row("cohort_detail", "get", members_only(200), slug),
    Row("cohort_edit", "get", organizers_only(200), slug),
    Row("cohort_edit", "post", organizers_only(422), slug, {"name": ""}),
    Row("cohort_archive", "post", organizers_only(302), slug, {"action": "archive"}),
    Row("cohort_leave", "post", members_only(302), slug),
    Row("member_list", "get", members_only(200), slug),
    Row("member_role", "post", organizers_only(302), learner_membership, {"role": "mentor"}),
    Row("member_remove", "post", organizers_only(302), learner_membership),
    Row(
        "invite_create",
        "post",
        organizers_only(302),
        slug,
        {"role": "learner", "expires_in": "7", "max_uses": "5"},
    ),
    Row("invite_revoke", "post", organizers_only(302), invite),
    Row("join", "get", everyone(200), token),
    Row(
        "join",
        "post",
        {"visitor": LOGIN, "outsider": 302, **dict.fromkeys(PERSONAS[2:], 200)},
        token,
    ),
    Row("page_new", "get", {**everyone(200), "visitor": LOGIN}),
    Row("page_new", "post", {**everyone(422), "visitor": LOGIN}, data={"title": ""}),
    Row("page_import", "get", {**everyone(200), "visitor": LOGIN}),
    Row("pages_export_zip", "get", signed_in(200)),
    Row("account_delete", "get", signed_in(200)),
    Row("session_state", "get", everyone(200)),
    Row("signed_in_again", "get", signed_in(200)),
    Row("account_delete", "post", signed_in(422), data={"password": "wrong"}),
    Row("page_import", "post", {**everyone(422), "visitor": LOGIN}, data={"text": ""}),
    Row("profile", "get", everyone(200), lambda objects: ["lena"]),
    Row("profile_edit", "get", {**signed_in(403), "learner": 200}, lambda objects: ["lena"]),
    Row(
        "profile_edit",
        "post",
        {**signed_in(403), "learner": 302},
        lambda objects: ["lena"],
        {"display_name": "Lena", "bio": "", "links": ""},
    ),
    Row("robots_txt", "get", everyone(200)),
    Row("search", "get", everyone(200), data={"q": "journey"}),
    Row("sitemap", "get", everyone(200)),
    Row("page_detail", "get", page_readers(200), page),
    Row("page_export", "get", page_readers(200), page),
    Row("page_history", "get", page_readers(200), page),
    Row("section_detail", "get", page_readers(302), section),
    Row("page_meta", "get", author_only(200), page),
    Row("page_meta", "post", author_only(302), page, {"title": "T", "version": 1}),
    Row("page_visibility", "post", author_only(302), page, {"visibility": "cohort"}),
    Row("tag_add", "post", author_only(302), page, {"name": "Python"}),
    Row("tag_remove", "post", author_only(302), tag),
    Row("page_preview", "post", author_only(200), page, {"body": "**hi**"}),
    Row("section_add", "post", author_only(302), page, {"heading": "More"}),
    Row("section_edit", "get", author_only(200), section),
    Row("section_edit", "post", author_only(302), section, SECTION_SAVE),
    Row("section_delete", "get", author_only(200), section),
    Row("section_delete", "post", author_only(302), section),
    Row("section_move", "post", author_only(302), section, {"direction": "down"}),
    Row("draft_save", "post", author_only(302), section, SECTION_SAVE),
    Row("draft_discard", "post", author_only(302), section),
    Row("draft_compare", "get", author_only(302), section),
    Row("section_editing", "post", author_only(200), section, {"editor": "tab-1"}),
    Row("page_editing", "get", {**page_readers(200), "visitor": 404}, page),
    Row("revision_restore", "post", author_only(302), deleted),
    Row("revision_restore", "post", author_only(302), live_revision),
    Row("page_as_of", "get", page_readers(200), deleted),
    Row("comment_create", "post", {**page_readers(302), "visitor": LOGIN}, page, {"body": "Hi"}),
    Row("comment_edit", "get", comment_author_only(200), comment),
    Row("comment_edit", "post", comment_author_only(302), comment, {"body": "Edited"}),
    Row("comment_delete", "post", comment_author_only(302), comment),
    Row("comment_resolve", "post", {**page_readers(302), "visitor": LOGIN}, comment),
    Row("comment_address", "post", author_only(302), comment),
    Row("page_submit", "post", author_only(302), page),
    Row("page_withdraw", "post", author_only(302), page),
    Row("page_review", "get", page_reviewers(200), page),
    Row("page_review", "post", page_reviewers(302), page, {"verdict": "approved", "summary": "x"}),
    Row("section_mark", "post", page_reviewers(302), section, {"mark": "good"}),
    Row("review_queue", "get", reviewers(200), slug),
    Row("cohort_dashboard", "get", reviewers(200), slug),
    Row("review_claim", "post", reviewers(302), in_review, {"action": "claim"}),
    Row("saved_replies", "get", reviewers(200), slug),
    Row("saved_replies", "post", reviewers(302), slug, {"title": "T", "body": "B"}),
    Row("saved_reply_delete", "post", {**reviewers(404), "mentor": 302}, saved_reply),
    Row("notification_list", "get", signed_in(200)),
    Row("notification_read_all", "post", signed_in(302)),
    Row("notification_open", "post", {**signed_in(404), "learner": 302}, notification),
    Row("notification_settings", "get", signed_in(200)),
    Row("notification_settings", "post", signed_in(422)),
    Row("notifications_unsubscribe", "get", everyone(200), unsubscribe),
    Row("notifications_unsubscribe", "post", everyone(200), unsubscribe),
]

# Third-party URL sets with their own tests and protections.
EXTERNAL_NAMESPACES = {"admin"}
EXTERNAL_PREFIXES = ("account_",)


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    """The personas and one of everything, built once for the module (~0.14 s a test
    before, most of this file's time) in a transaction rolled back after it. Each test
    runs in a savepoint of its own (pytest-django's db), so what one test changes
    never reaches the next."""
    with django_db_blocker.unblock(), transaction.atomic():
        people = {persona: make_persona(persona) for persona in PEOPLE}
        cohort = build_cohort(
            people["learner"], people["peer"], people["mentor"], people["organizer"]
        )
        build_other_cohort(people["outsider"])
        personas = {"visitor": None, **people}
        yield personas, build_objects(personas, cohort)
        transaction.set_rollback(True)


@pytest.fixture
def personas(db, shared_world):
    return shared_world[0]


@pytest.fixture
def objects(db, shared_world):
    return shared_world[1]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("row", MATRIX, ids=lambda row: f"{row.method}-{row.name}")
def test_permission_matrix(client, personas, objects, row: Row, persona: str):
    user = personas[persona]
    if user is not None:
        client.force_login(user)
    url = reverse(row.name, args=row.args(objects))
    response = getattr(client, row.method)(url, row.data)
    assert response.status_code == row.expected[persona], (
        f"{persona} {row.method.upper()} {url}: {response.status_code}"
    )
    if row.expected[persona] == LOGIN and persona == "visitor" and row.name != "join":
        assert response["Location"].startswith(reverse("account_login"))
    html = response.content.decode() if response.get("Content-Type", "").startswith("text/") else ""
    if "<html" in html:
        assert html.count("<h1") == 1, "every page has exactly one h1"


def named_urls(patterns=None, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or namespace
            if inner in EXTERNAL_NAMESPACES:
                continue
            names |= named_urls(entry.url_patterns, inner)
        elif (
            isinstance(entry, URLPattern)
            and entry.name
            and not entry.name.startswith(EXTERNAL_PREFIXES)
        ):
            names.add(f"{namespace}:{entry.name}" if namespace else entry.name)
    return names


def test_every_named_url_has_a_row_in_the_matrix():
    covered = {row.name for row in MATRIX}
    missing = named_urls() - covered
    assert not missing, f"add these URLs to the permission matrix: {sorted(missing)}"


POST_ONLY = [row for row in MATRIX if row.method == "post"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "row",
    [r for r in POST_ONLY if not any(o.name == r.name and o.method == "get" for o in MATRIX)],
    ids=lambda row: row.name,
)
def test_post_only_urls_refuse_get_with_405(client, personas, objects, row: Row):
    client.force_login(personas["organizer"])
    assert client.get(reverse(row.name, args=row.args(objects))).status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["cohort_list", "cohort_detail", "member_list", "healthz", "home"])
def test_read_only_urls_refuse_post_with_405(client, personas, objects, name):
    client.force_login(personas["organizer"])
    row = next(row for row in MATRIX if row.name == name)
    assert client.post(reverse(name, args=row.args(objects))).status_code == 405


# Existence never leaks: what a persona cannot see answers exactly as what does not exist.

MEMBERS = {"learner", "peer", "mentor", "organizer"}
# Who can see each kind of object when its page is public (and so visible to all).
SEEN_BY = {
    comment: MEMBERS,  # the discussion is the cohort's
    deleted: MEMBERS,  # history too
    live_revision: MEMBERS,
    notification: {"learner"},  # its recipient
    saved_reply: {"mentor"},  # its owner
}
ID_ROWS = [row for row in MATRIX if row.args in SEEN_BY]
# Objects seen by whoever sees what holds them: sections of a page, and memberships,
# invites and queued pages of a cohort (outsiders and visitors 404 on the cohort).
SEEN_WITH_THEIR_CONTAINER = {section, learner_membership, invite, in_review}


def id_taking_urls(patterns=None, prefix: str = "") -> set[str]:
    names: set[str] = set()
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if entry.namespace not in EXTERNAL_NAMESPACES:
                names |= id_taking_urls(entry.url_patterns, route)
        elif entry.name and "<int:" in route:
            names.add(entry.name)
    return names


def test_every_id_taking_url_is_checked_for_leaks():
    kinds = {row.args for row in MATRIX if row.name in id_taking_urls()}
    assert kinds == set(SEEN_BY) | SEEN_WITH_THEIR_CONTAINER


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("row", "persona"),
    [(row, persona) for row in ID_ROWS for persona in PERSONAS if persona not in SEEN_BY[row.args]],
    ids=lambda value: value if isinstance(value, str) else f"{value.method}-{value.name}",
)
def test_an_invisible_object_answers_as_a_missing_one(client, personas, objects, row, persona):
    for page in (objects["page"], objects["in_review"]):
        page.visibility = "public"
        page.save()
    if personas[persona] is not None:
        client.force_login(personas[persona])
    real = row.args(objects)
    missing = [*real[:-1], 987_654]
    call = getattr(client, row.method)
    seen = call(reverse(row.name, args=real), row.data).status_code
    unknown = call(reverse(row.name, args=missing), row.data).status_code
    assert seen == unknown, f"{persona} {row.name}: {seen} for a real one, {unknown} for none"
