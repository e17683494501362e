"""Access tampering (issue #9, point 2): ids, slugs and usernames changed in URLs and in
form fields to reach what belongs to another page, person or cohort.

The permission matrix asks "may this persona use this URL on the right object?". This
file asks the other question: with a URL the actor may use, can a swapped id — another
page's section, another cohort's membership, another mentor's saved reply — or an extra
form field reach further? Every attempt must be refused (404 for what the actor cannot
see through that URL, 403 for what they see but may not do, 422 for a form that names
something out of reach) and must leave every row in the database as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client
from django.test.client import ClientHandler
from django.urls import reverse
from django.utils import timezone

from conftest import make_invite, make_page, make_user
from portfolio.models import (
    Claim,
    Cohort,
    Comment,
    Invite,
    Membership,
    Notification,
    Page,
    Review,
    Revision,
    Role,
    SavedReply,
    Section,
    SectionMark,
    User,
)
from portfolio.services import comment_post

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}
MISSING = 10**12  # an id no row has
OVERFLOW = 2**70  # more than any database integer holds


def snapshot() -> dict[str, list[dict]]:
    """Every row of every Nexus table, through tables included."""
    models = apps.get_app_config("portfolio").get_models(include_auto_created=True)
    return {model._meta.label: list(model.objects.order_by("pk").values()) for model in models}


def with_deleted_section(page: Page) -> Revision:
    section = page.sections.order_by("position").last()
    return section.remove(by=page.author)


def build_world() -> dict:
    """Two cohorts with one of everything in each, and a few cross-cohort neighbours.

    Cohort A (prodev-7): lena and pete learn, maya and mick mentor, otto organizes.
    Cohort B (frontend-3): olga learns, omar mentors, oscar organizes.
    """
    lena, pete, maya, otto, oscar, mick, olga, omar = (
        make_user(name, password=None)
        for name in ("lena", "pete", "maya", "otto", "oscar", "mick", "olga", "omar")
    )
    cohort = Cohort.objects.create(name="ProDev Backend 7", slug="prodev-7")
    other_cohort = Cohort.objects.create(name="Frontend 3", slug="frontend-3")
    for user, where, role in [
        (otto, cohort, Role.ORGANIZER),
        (maya, cohort, Role.MENTOR),
        (mick, cohort, Role.MENTOR),
        (lena, cohort, Role.LEARNER),
        (pete, cohort, Role.LEARNER),
        (oscar, other_cohort, Role.ORGANIZER),
        (omar, other_cohort, Role.MENTOR),
        (olga, other_cohort, Role.LEARNER),
    ]:
        Membership.objects.create(user=user, cohort=where, role=role)
    now = timezone.now()

    # Lena's two pages: one for mentors (the default), one the whole cohort reads.
    lena_page = make_page(lena, cohort, title="Lena notes", sections=3)
    lena_open = make_page(lena, cohort, title="Lena open", visibility="cohort", sections=3)
    pete_page = make_page(
        pete,
        cohort,
        title="Pete notes",
        visibility="cohort",
        sections=3,
        status="in_review",
        submitted_at=now,
    )
    oscar_page = make_page(oscar, other_cohort, title="Oscar public", visibility="public")
    olga_page = make_page(
        olga, other_cohort, title="Olga secret", sections=3, status="in_review", submitted_at=now
    )
    olga_page.sections.update(body="OLGA-SECRET text")
    Revision.objects.filter(page=olga_page).update(body="OLGA-SECRET text")
    pages = {
        "lena_page": lena_page,
        "lena_open": lena_open,
        "pete_page": pete_page,
        "oscar_page": oscar_page,
        "olga_page": olga_page,
    }
    deleted = {f"{key}_deleted": with_deleted_section(page) for key, page in pages.items()}
    sections = {
        f"{key}_section": page.sections.order_by("position").first() for key, page in pages.items()
    }
    lena_open.tags.create(name="Django", slug="django")
    pete_page.tags.create(name="Secret tag", slug="secret-tag")

    def comment(page_key: str, author: User, **extra) -> Comment:
        return comment_post(
            page=pages[page_key],
            author=author,
            body=f"By {author.username}",
            section=sections[f"{page_key}_section"],
            **extra,
        )

    maya_on_lena = comment("lena_page", maya)
    maya_on_pete = comment("pete_page", maya)
    maya_on_pete.resolve(by=maya)
    comments = {
        "maya_on_lena": maya_on_lena,
        "lena_reply": comment("lena_page", lena, parent=maya_on_lena),
        "maya_on_lena_open": comment("lena_open", maya),
        "maya_on_pete": maya_on_pete,
        "oscar_on_oscar": comment("oscar_page", oscar),
        "omar_on_olga": comment("olga_page", omar),
    }
    Claim.objects.create(page=pete_page, mentor=mick, expires_at=now + timedelta(hours=2))
    Claim.objects.create(page=olga_page, mentor=omar, expires_at=now + timedelta(hours=2))

    def note(user: User) -> Notification:
        return Notification.objects.create(recipient=user, kind="comment", verb="hi", url="/")

    return {
        "users": {
            "lena": lena,
            "pete": pete,
            "maya": maya,
            "mick": mick,
            "otto": otto,
            "oscar": oscar,
            "olga": olga,
            "omar": omar,
        },
        "A": cohort,
        "B": other_cohort,
        **pages,
        **deleted,
        **sections,
        **comments,
        # Any version of a section can be restored: another page's is still not hers.
        "pete_created_revision": Revision.objects.filter(
            page=pages["pete_page"], kind="created"
        ).first(),
        "A_lena": Membership.objects.get(user=lena, cohort=cohort),
        "A_otto": Membership.objects.get(user=otto, cohort=cohort),
        "B_oscar": Membership.objects.get(user=oscar, cohort=other_cohort),
        "B_olga": Membership.objects.get(user=olga, cohort=other_cohort),
        "A_invite": make_invite(cohort, created_by=otto),
        "B_invite": make_invite(other_cohort, created_by=oscar),
        "maya_reply": SavedReply.objects.create(
            cohort=cohort, owner=maya, title="Mine", body="MAYA-REPLY"
        ),
        "mick_reply": SavedReply.objects.create(
            cohort=cohort, owner=mick, title="Mick's", body="MICK-REPLY"
        ),
        "oscar_reply": SavedReply.objects.create(
            cohort=other_cohort, owner=oscar, title="Oscar's", body="OSCAR-REPLY"
        ),
        "lena_note": note(lena),
        "pete_note": note(pete),
        "oscar_note": note(oscar),
    }


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    """Built once for the module and rolled back after it. Each test runs in a
    savepoint of its own, so what one test changes never reaches the next; tests read
    rows afresh rather than refreshing these shared instances."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def world(db, shared_world) -> dict:
    return shared_world


@pytest.fixture(scope="module")
def handler() -> ClientHandler:
    return ClientHandler(enforce_csrf_checks=False)


@pytest.fixture
def client(handler) -> Client:
    """A fresh client on a shared handler: the middleware chain (WhiteNoise indexes
    every static file when it starts) is built once for the module, not per test."""
    client = Client()
    client.handler = handler
    return client


# Attacks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attack:
    id: str
    actor: str
    name: str
    method: str
    args: Callable[[dict], list]
    expected: int
    data: Callable[[dict], dict] = field(default=lambda w: {})


def pk(key: str) -> Callable[[dict], int]:
    """The id of a world object, or one of the made-up ids."""
    if key == "missing":
        return lambda w: MISSING
    if key == "overflow":
        return lambda w: OVERFLOW
    return lambda w: w[key].pk


def page_of(key: str, *, username: str | None = None) -> Callable[[dict], list]:
    """A page's URL arguments; `username` puts the page's slug under someone else."""
    return lambda w: [username or w[key].author.username, w[key].slug]


def on_page(page_key: str, obj_key: str, *, username: str | None = None):
    return lambda w: [*page_of(page_key, username=username)(w), pk(obj_key)(w)]


def on_cohort(cohort_key: str, obj_key: str | None = None):
    if obj_key is None:
        return lambda w: [w[cohort_key].slug]
    return lambda w: [w[cohort_key].slug, pk(obj_key)(w)]


# What can be done to a section, a comment, a page: (url name, method, form data).
SECTION_ROUTES = [
    ("section_detail", "get", {}),
    ("section_edit", "get", {}),
    ("section_edit", "post", {"heading": "Taken", "body": "Overwritten", "version": 1}),
    ("section_delete", "get", {}),
    ("section_delete", "post", {}),
    ("section_move", "post", {"direction": "up"}),
    ("section_move", "post", {"direction": "down"}),
]
COMMENT_ROUTES = [
    ("comment_edit", "get", {}),
    ("comment_edit", "post", {"body": "Hijacked"}),
    ("comment_delete", "post", {}),
    ("comment_resolve", "post", {}),
    ("comment_resolve", "post", {"action": "reopen"}),
    ("comment_address", "post", {}),
]
AUTHOR_ROUTES = [
    ("page_meta", "get", {}),
    ("page_meta", "post", {"title": "Taken over", "summary": "", "version": 1}),
    ("page_visibility", "post", {"visibility": "public"}),
    ("tag_add", "post", {"name": "Hijack"}),
    ("page_preview", "post", {"body": "x"}),
    ("section_add", "post", {"heading": "Injected"}),
    ("page_submit", "post", {}),
    ("page_withdraw", "post", {}),
]


def attacks_on_routes(prefix, actor, routes, args, expected) -> list[Attack]:
    return [
        Attack(
            f"{prefix}-{name}-{method}{'-' + '-'.join(map(str, data.values())) if data else ''}",
            actor,
            name,
            method,
            args,
            expected,
            lambda w, data=data: dict(data),
        )
        for name, method, data in routes
    ]


FOREIGN_SECTIONS = [
    "lena_open_section",  # the same author's other page
    "pete_page_section",  # a page of the same cohort the actor can read
    "oscar_page_section",  # a public page of another cohort
    "olga_page_section",  # a page of another cohort the actor cannot see
    "missing",
    "overflow",
]
FOREIGN_COMMENTS = [
    "maya_on_lena_open",
    "maya_on_pete",
    "oscar_on_oscar",
    "omar_on_olga",
    "missing",
    "overflow",
]

# fmt: off
URL_ID_SWAPS: list[Attack] = [
    # Another page's section under the URL of a page the actor may edit.
    *(
        attack
        for key in FOREIGN_SECTIONS
        for attack in attacks_on_routes(
            f"lena-edits-{key}", "lena", SECTION_ROUTES, on_page("lena_page", key), 404
        )
    ),
    # Another page's section in a review the actor may do.
    *(
        Attack(
            f"maya-marks-{key}", "maya", "section_mark", "post",
            on_page("pete_page", key), 404, lambda w: {"mark": "good", "comment": "Fine"},
        )
        for key in ["lena_page_section", "lena_open_section", "oscar_page_section",
                    "olga_page_section", "missing", "overflow"]
    ),
    Attack(
        "oscar-marks-an-A-section-in-a-B-review", "oscar", "section_mark", "post",
        on_page("olga_page", "pete_page_section"), 404, lambda w: {"mark": "needs_work"},
    ),
    # Another page's comment under the URL of the actor's own page (the author may
    # resolve and address any thread on their page, so only the page scope stops it).
    *(
        attack
        for key in FOREIGN_COMMENTS
        for attack in attacks_on_routes(
            f"lena-acts-on-{key}", "lena", COMMENT_ROUTES, on_page("lena_page", key), 404
        )
    ),
    # Her own comment, on a page she may comment on, but through another page's URL.
    *attacks_on_routes(
        "maya-own-comment-via-wrong-page", "maya", COMMENT_ROUTES,
        on_page("lena_page", "maya_on_pete"), 404,
    ),
    # Restoring a deleted section of another page into the actor's own page.
    *(
        Attack(f"lena-restores-{key}", "lena", "revision_restore", "post",
               on_page("lena_page", key), 404)
        for key in ["lena_open_deleted", "pete_page_deleted", "oscar_page_deleted",
                    "olga_page_deleted", "pete_created_revision", "missing", "overflow"]
    ),
    Attack("lena-removes-another-pages-tag", "lena", "tag_remove", "post",
           lambda w: [*page_of("lena_page")(w), "secret-tag"], 404),
    # Cohort-scoped ids: your own cohort's URL, another cohort's object.
    *(
        Attack(
            f"{actor}-{name}-{key}{'-' + data['action'] if 'action' in data else ''}",
            actor, name, "post", on_cohort(slug, key), 404, lambda w, data=data: dict(data),
        )
        for actor, slug, name, key, data in [
            ("otto", "A", "member_role", "B_oscar", {"role": "learner"}),
            ("otto", "A", "member_role", "B_olga", {"role": "organizer"}),
            ("otto", "A", "member_remove", "B_olga", {}),
            ("otto", "A", "member_remove", "B_oscar", {}),
            ("otto", "A", "member_role", "missing", {"role": "learner"}),
            ("otto", "A", "member_remove", "overflow", {}),
            ("otto", "A", "invite_revoke", "B_invite", {}),
            ("otto", "A", "invite_revoke", "overflow", {}),
            ("oscar", "B", "member_role", "A_lena", {"role": "organizer"}),
            ("oscar", "B", "member_role", "A_otto", {"role": "learner"}),
            ("oscar", "B", "member_remove", "A_lena", {}),
            ("oscar", "B", "member_remove", "A_otto", {}),
            ("oscar", "B", "invite_revoke", "A_invite", {}),
            ("maya", "A", "review_claim", "olga_page", {"action": "claim"}),
            ("maya", "A", "review_claim", "olga_page", {"action": "release"}),
            ("maya", "A", "review_claim", "oscar_page", {"action": "claim"}),
            ("maya", "A", "review_claim", "lena_open", {"action": "claim"}),  # a draft
            ("maya", "A", "review_claim", "overflow", {"action": "claim"}),
            ("oscar", "B", "review_claim", "pete_page", {"action": "claim"}),
            ("oscar", "B", "review_claim", "pete_page", {"action": "release"}),
            ("maya", "A", "saved_reply_delete", "mick_reply", {}),
            ("maya", "A", "saved_reply_delete", "oscar_reply", {}),
            ("maya", "A", "saved_reply_delete", "overflow", {}),
            ("omar", "B", "saved_reply_delete", "oscar_reply", {}),
            ("oscar", "B", "saved_reply_delete", "maya_reply", {}),
        ]
    ),
    # Someone else's notification.
    *(
        Attack(f"lena-opens-{key}{suffix}", "lena", "notification_open", "post",
               lambda w, key=key: [pk(key)(w)], 404, data)
        for key in ["pete_note", "oscar_note", "overflow"]
        for suffix, data in [("", lambda w: {}), ("-stay", lambda w: {"stay": "1"})]
    ),
]

# The right ids under another cohort's slug: the actor is no member there.
SLUG_SWAPS: list[Attack] = [
    Attack(f"{actor}-on-B-{name}", actor, name, "post", args, 404, data)
    for actor, name, args, data in [
        ("otto", "cohort_edit", on_cohort("B"), lambda w: {"name": "Taken", "slug": "frontend-3"}),
        ("otto", "cohort_archive", on_cohort("B"), lambda w: {"action": "archive"}),
        ("otto", "cohort_leave", on_cohort("B"), lambda w: {}),
        ("otto", "member_role", on_cohort("B", "B_olga"), lambda w: {"role": "organizer"}),
        ("otto", "member_remove", on_cohort("B", "B_olga"), lambda w: {}),
        ("otto", "invite_create", on_cohort("B"),
         lambda w: {"role": "organizer", "expires_in": "7", "max_uses": "5"}),
        ("otto", "invite_revoke", on_cohort("B", "B_invite"), lambda w: {}),
        ("maya", "review_claim", on_cohort("B", "olga_page"), lambda w: {"action": "claim"}),
        ("maya", "saved_replies", on_cohort("B"), lambda w: {"title": "T", "body": "B"}),
        ("maya", "saved_reply_delete", on_cohort("B", "oscar_reply"), lambda w: {}),
    ]
]

PAGE_ROUTES_WITH_IDS = [
    ("section_edit", "lena_page_section", {"heading": "X", "body": "Y", "version": 1}),
    ("section_delete", "lena_page_section", {}),
    ("section_move", "lena_page_section", {"direction": "down"}),
    ("revision_restore", "lena_page_deleted", {}),
    ("comment_edit", "lena_reply", {"body": "Edited"}),
    ("comment_delete", "lena_reply", {}),
    ("comment_resolve", "maya_on_lena", {}),
    ("comment_address", "maya_on_lena", {}),
]

# Lena's page slug under another person's handle: no such page there.
USERNAME_SWAPS: list[Attack] = [
    *(
        attack
        for username in ["pete", "oscar", "nobody"]
        for attack in [
            *attacks_on_routes(
                f"lena-as-{username}", "lena", AUTHOR_ROUTES,
                page_of("lena_page", username=username), 404,
            ),
            Attack(f"lena-as-{username}-comment_create", "lena", "comment_create", "post",
                   page_of("lena_page", username=username), 404, lambda w: {"body": "Hi"}),
            *(
                Attack(f"lena-as-{username}-{name}", "lena", name, "post",
                       on_page("lena_page", key, username=username), 404,
                       lambda w, data=data: dict(data))
                for name, key, data in PAGE_ROUTES_WITH_IDS
            ),
        ]
    ),
    Attack("maya-reviews-lena-as-pete", "maya", "page_review", "post",
           page_of("lena_page", username="pete"), 404,
           lambda w: {"verdict": "approved", "summary": "ok"}),
    Attack("maya-marks-lena-as-pete", "maya", "section_mark", "post",
           on_page("lena_page", "lena_page_section", username="pete"), 404,
           lambda w: {"mark": "good"}),
]

# Pages the actor can read but not change: 403, and nothing changes.
SEEN_NOT_OWNED: list[Attack] = [
    *attacks_on_routes("pete-on-lena_open", "pete", AUTHOR_ROUTES, page_of("lena_open"), 403),
    *attacks_on_routes("maya-on-lena_page", "maya", AUTHOR_ROUTES, page_of("lena_page"), 403),
    *attacks_on_routes("lena-on-oscar_page", "lena", AUTHOR_ROUTES, page_of("oscar_page"), 403),
    *attacks_on_routes(
        "lena-withdraws-pete", "lena", [("page_withdraw", "post", {})], page_of("pete_page"), 403
    ),
    *(
        attack
        for actor, page, key in [
            ("pete", "lena_open", "lena_open_section"),
            ("lena", "oscar_page", "oscar_page_section"),
        ]
        for attack in attacks_on_routes(
            f"{actor}-sections-of-{page}", actor, SECTION_ROUTES[1:], on_page(page, key), 403
        )
    ),
    Attack("pete-tag_remove-lena_open", "pete", "tag_remove", "post",
           lambda w: [*page_of("lena_open")(w), "django"], 403),
    Attack("pete-restores-on-lena_open", "pete", "revision_restore", "post",
           on_page("lena_open", "lena_open_deleted"), 403),
    # Comments: not yours to edit or delete; threads not yours to resolve or address.
    *attacks_on_routes(
        "pete-on-mayas-comment", "pete", COMMENT_ROUTES,
        on_page("lena_open", "maya_on_lena_open"), 403,
    ),
    *attacks_on_routes(
        "lena-on-mayas-comment", "lena", COMMENT_ROUTES[:3], on_page("lena_page", "maya_on_lena"),
        403,
    ),
    *attacks_on_routes(
        "maya-on-lenas-reply", "maya", COMMENT_ROUTES, on_page("lena_page", "lena_reply"), 403
    ),
    # The page is public, its discussion is not: its comments answer as missing ones.
    *attacks_on_routes(
        "lena-on-another-cohorts-public-page", "lena", COMMENT_ROUTES,
        on_page("oscar_page", "oscar_on_oscar"), 404,
    ),
    Attack("lena-comments-on-another-cohorts-public-page", "lena", "comment_create", "post",
           page_of("oscar_page"), 403, lambda w: {"body": "Hello from A"}),
    # Reviews in another cohort, even of a page the mentor can read.
    Attack("maya-reviews-oscar_page", "maya", "page_review", "get", page_of("oscar_page"), 403),
    Attack("maya-reviews-oscar_page-post", "maya", "page_review", "post", page_of("oscar_page"),
           403, lambda w: {"verdict": "approved", "summary": "ok"}),
    Attack("maya-marks-oscar_page", "maya", "section_mark", "post",
           on_page("oscar_page", "oscar_page_section"), 403, lambda w: {"mark": "good"}),
    Attack("lena-reviews-pete", "lena", "page_review", "post", page_of("pete_page"), 403,
           lambda w: {"verdict": "approved", "summary": "ok"}),
    # Someone else's profile.
    *(
        Attack(f"lena-edits-{who}s-profile", "lena", "profile_edit", "post",
               lambda w, who=who: [who], 403,
               lambda w: {"display_name": "Hacked", "bio": "", "links": ""})
        for who in ["pete", "oscar"]
    ),
]

# Hidden form fields naming what is out of reach.
COMMENT_FIELDS: list[Attack] = [
    *(
        Attack(f"maya-comments-with-section-{key}", "maya", "comment_create", "post",
               page_of("lena_page"), 404,
               lambda w, key=key: {"body": "Hi", "section": pk(key)(w)})
        for key in FOREIGN_SECTIONS
    ),
    *(
        Attack(f"maya-replies-to-{key}", "maya", "comment_create", "post",
               page_of("lena_page"), 404,
               lambda w, key=key: {"body": "Hi", "parent": pk(key)(w)})
        for key in [*FOREIGN_COMMENTS, "lena_reply"]  # lena_reply: replies nest one level
    ),
    Attack("maya-replies-to-foreign-parent-with-own-section", "maya", "comment_create", "post",
           page_of("lena_page"), 404,
           lambda w: {"body": "Hi", "parent": w["oscar_on_oscar"].pk,
                      "section": w["lena_page_section"].pk}),
    Attack("maya-empty-comment-with-foreign-section", "maya", "comment_create", "post",
           page_of("lena_page"), 404,
           lambda w: {"body": "", "section": w["olga_page_section"].pk}),
    Attack("maya-comment-with-a-section-that-is-not-a-number", "maya", "comment_create", "post",
           page_of("lena_page"), 422, lambda w: {"body": "Hi", "section": "1 OR 1=1"}),
    Attack("maya-comment-with-a-parent-that-is-not-a-number", "maya", "comment_create", "post",
           page_of("lena_page"), 422, lambda w: {"body": "Hi", "parent": "abc"}),
    Attack("maya-comment-with-a-negative-parent", "maya", "comment_create", "post",
           page_of("lena_page"), 404, lambda w: {"body": "Hi", "parent": "-1"}),
    # Pete may comment on lena_open; he may not reply into a page he cannot see.
    Attack("pete-replies-into-a-hidden-page", "pete", "comment_create", "post",
           page_of("lena_open"), 404,
           lambda w: {"body": "Hi", "parent": w["maya_on_lena"].pk}),
    Attack("pete-comments-on-a-hidden-section", "pete", "comment_create", "post",
           page_of("lena_open"), 404,
           lambda w: {"body": "Hi", "section": w["lena_page_section"].pk}),
]

OTHER_FIELDS: list[Attack] = [
    # Another mentor's saved reply, or one from another cohort, in a section mark.
    *(
        Attack(f"maya-marks-with-{key}", "maya", "section_mark", "post",
               on_page("pete_page", "pete_page_section"), 404,
               lambda w, key=key: {"mark": "good", "saved_reply": pk(key)(w)})
        for key in ["mick_reply", "oscar_reply", "missing", "overflow"]
    ),
    # A page in a cohort the learner is not in.
    Attack("lena-starts-a-page-in-B", "lena", "page_new", "post", lambda w: [], 422,
           lambda w: {"cohort": w["B"].pk, "title": "Mine", "start": "blank"}),
    Attack("lena-starts-a-page-in-no-cohort", "lena", "page_new", "post", lambda w: [], 422,
           lambda w: {"cohort": OVERFLOW, "title": "Mine", "start": "blank"}),
    Attack("lena-imports-into-B", "lena", "page_import", "post", lambda w: [], 422,
           lambda w: {"cohort": w["B"].pk, "text": "# Mine\n\n## One\nx"}),
    # Taking another cohort's address.
    Attack("otto-takes-Bs-slug", "otto", "cohort_edit", "post", on_cohort("A"), 422,
           lambda w: {"name": "ProDev Backend 7", "slug": w["B"].slug}),
    Attack("otto-creates-a-cohort-at-Bs-slug", "otto", "cohort_create", "post", lambda w: [],
           422, lambda w: {"name": "Frontend 3", "slug": w["B"].slug}),
]
# fmt: on

ATTACKS = URL_ID_SWAPS + SLUG_SWAPS + USERNAME_SWAPS + SEEN_NOT_OWNED + COMMENT_FIELDS
ATTACKS += OTHER_FIELDS


def test_attack_ids_are_unique():
    ids = [attack.id for attack in ATTACKS]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


# Every attempt runs once, every other one as an htmx request: both paths through each
# view family are covered at half the cost of running each attempt twice.
@pytest.mark.parametrize(
    ("attack", "htmx"),
    [(attack, n % 2 == 1) for n, attack in enumerate(ATTACKS)],
    ids=[f"{attack.id}-{'htmx' if n % 2 else 'form'}" for n, attack in enumerate(ATTACKS)],
)
def test_a_tampered_request_is_refused_and_changes_nothing(
    client, world, attack: Attack, htmx: bool
):
    client.force_login(world["users"][attack.actor])
    url = reverse(attack.name, args=attack.args(world))
    before = snapshot()
    response = getattr(client, attack.method)(url, attack.data(world), headers=HX if htmx else {})
    assert response.status_code == attack.expected, (
        f"{attack.actor} {attack.method.upper()} {url}: {response.status_code}"
    )
    assert snapshot() == before


# The same attempts, made legitimate: proof that the refusals above are the scope's work
# and not an accident of the fixture. Each changes something when aimed right.
# fmt: off
CONTROLS = [
    Attack("lena-edits-her-section", "lena", "section_edit", "post",
           on_page("lena_page", "lena_page_section"), 302,
           lambda w: {"heading": "Taken", "body": "Overwritten", "version": 1}),
    Attack("lena-restores-her-section", "lena", "revision_restore", "post",
           on_page("lena_page", "lena_page_deleted"), 302),
    Attack("lena-resolves-on-her-page", "lena", "comment_resolve", "post",
           on_page("lena_page", "maya_on_lena"), 302),
    Attack("maya-edits-her-comment", "maya", "comment_edit", "post",
           on_page("pete_page", "maya_on_pete"), 302, lambda w: {"body": "Hijacked"}),
    Attack("maya-marks-with-her-reply", "maya", "section_mark", "post",
           on_page("pete_page", "pete_page_section"), 302,
           lambda w: {"mark": "good", "saved_reply": w["maya_reply"].pk}),
    Attack("maya-comments-on-a-section", "maya", "comment_create", "post",
           page_of("lena_page"), 302,
           lambda w: {"body": "Hi", "section": w["lena_page_section"].pk}),
    Attack("otto-changes-a-role", "otto", "member_role", "post", on_cohort("A", "A_lena"), 302,
           lambda w: {"role": "mentor"}),
    Attack("otto-revokes-an-invite", "otto", "invite_revoke", "post",
           on_cohort("A", "A_invite"), 302),
    Attack("maya-deletes-her-reply", "maya", "saved_reply_delete", "post",
           on_cohort("A", "maya_reply"), 302),
    Attack("lena-opens-her-notification", "lena", "notification_open", "post",
           lambda w: [w["lena_note"].pk], 302),
    Attack("lena-submits-her-page", "lena", "page_submit", "post", page_of("lena_open"), 302),
]
# fmt: on


@pytest.mark.parametrize("attack", CONTROLS, ids=lambda attack: attack.id)
def test_the_same_request_aimed_right_does_change_something(client, world, attack: Attack):
    client.force_login(world["users"][attack.actor])
    before = snapshot()
    response = getattr(client, attack.method)(
        reverse(attack.name, args=attack.args(world)), attack.data(world)
    )
    assert response.status_code == attack.expected
    assert snapshot() != before


# Mass assignment: extra POST fields never reach the model -----------------------------


@dataclass(frozen=True)
class Extra:
    id: str
    actor: str
    name: str
    args: Callable[[dict], list]
    data: Callable[[dict], dict]
    row: Callable[[dict], object]  # the row the request writes, after it ran
    fixed: Callable[[dict], dict]  # what that row must still (or newly) say


def values(obj, *names: str) -> dict:
    fresh = type(obj).objects.get(pk=obj.pk)
    return {name: getattr(fresh, name) for name in names}


EXTRAS = [
    Extra(
        "page_meta", "lena", "page_meta", page_of("lena_page"),
        lambda w: {
            "title": "Renamed", "summary": "", "version": 1, "cohort": w["B"].pk,
            "cohort_id": w["B"].pk, "author": w["users"]["oscar"].pk,
            "author_id": w["users"]["oscar"].pk, "status": "approved", "visibility": "public",
            "slug": "hijacked", "approved_at": "2020-01-01T00:00:00Z", "content_version": 99,
        },
        lambda w: w["lena_page"],
        lambda w: {
            "title": "Renamed", "cohort_id": w["A"].pk, "author_id": w["users"]["lena"].pk,
            "status": "draft", "visibility": "mentors", "slug": "lena-notes",
            "approved_at": None,
        },
    ),
    Extra(
        "page_visibility", "lena", "page_visibility", page_of("lena_page"),
        lambda w: {"visibility": "cohort", "status": "approved", "cohort": w["B"].pk},
        lambda w: w["lena_page"],
        lambda w: {"visibility": "cohort", "status": "draft", "cohort_id": w["A"].pk},
    ),
    Extra(
        "section_edit", "lena", "section_edit", on_page("lena_page", "lena_page_section"),
        lambda w: {
            "heading": "New", "body": "Text", "version": 1, "page": w["pete_page"].pk,
            "page_id": w["pete_page"].pk, "position": 99, "uid": str(w["pete_page_section"].uid),
            "body_html": "<script>alert(1)</script>",
        },
        lambda w: w["lena_page_section"],
        lambda w: {
            "heading": "New", "page_id": w["lena_page"].pk, "position": 0,
            "uid": w["lena_page_section"].uid, "body_html": "<p>Text</p>\n",
        },
    ),
    Extra(
        "section_add", "lena", "section_add", page_of("lena_page"),
        lambda w: {"heading": "Added", "page": w["pete_page"].pk, "body": "<script>x</script>"},
        lambda w: Section.objects.get(heading="Added"),
        lambda w: {"page_id": w["lena_page"].pk, "body": ""},
    ),
    Extra(
        "comment_create", "maya", "comment_create", page_of("lena_page"),
        lambda w: {
            "body": "Posted", "author": w["users"]["lena"].pk, "page": w["pete_page"].pk,
            "resolved_at": "2020-01-01T00:00:00Z", "resolved_by": w["users"]["maya"].pk,
            "deleted_at": "2020-01-01T00:00:00Z", "body_html": "<script>x</script>",
        },
        lambda w: Comment.objects.get(body="Posted"),
        lambda w: {
            "author_id": w["users"]["maya"].pk, "page_id": w["lena_page"].pk,
            "resolved_at": None, "deleted_at": None, "body_html": "<p>Posted</p>\n",
        },
    ),
    Extra(
        "comment_edit", "maya", "comment_edit", on_page("lena_page", "maya_on_lena"),
        lambda w: {
            "body": "Edited", "author": w["users"]["lena"].pk, "page": w["pete_page"].pk,
            "parent": w["maya_on_pete"].pk, "section": w["pete_page_section"].pk,
        },
        lambda w: w["maya_on_lena"],
        lambda w: {
            "body": "Edited", "author_id": w["users"]["maya"].pk,
            "page_id": w["lena_page"].pk, "parent_id": None,
            "section_id": w["lena_page_section"].pk,
        },
    ),
    Extra(
        "profile_edit", "lena", "profile_edit", lambda w: ["lena"],
        lambda w: {
            "display_name": "Lena L", "bio": "", "links": "", "username": "admin2",
            "email": "evil@example.com", "is_staff": "on", "is_superuser": "on",
            "is_active": "", "password": "x",
        },
        lambda w: w["users"]["lena"],
        lambda w: {
            "display_name": "Lena L", "username": "lena", "email": "lena@example.com",
            "is_staff": False, "is_superuser": False, "is_active": True,
        },
    ),
    Extra(
        "cohort_edit", "otto", "cohort_edit", on_cohort("A"),
        lambda w: {"name": "Renamed", "slug": "prodev-7", "archived_at": "2020-01-01", "id": 999},
        lambda w: w["A"],
        lambda w: {"name": "Renamed", "archived_at": None, "pk": w["A"].pk},
    ),
    Extra(
        "cohort_create", "otto", "cohort_create", lambda w: [],
        lambda w: {"name": "Fresh", "archived_at": "2020-01-01", "memberships": w["B_olga"].pk},
        lambda w: Cohort.objects.get(name="Fresh"),
        lambda w: {"archived_at": None},
    ),
    Extra(
        "saved_replies", "maya", "saved_replies", on_cohort("A"),
        lambda w: {
            "title": "New", "body": "Text", "owner": w["users"]["mick"].pk, "cohort": w["B"].pk
        },
        lambda w: SavedReply.objects.get(title="New"),
        lambda w: {"owner_id": w["users"]["maya"].pk, "cohort_id": w["A"].pk},
    ),
    Extra(
        "invite_create", "otto", "invite_create", on_cohort("A"),
        lambda w: {
            "role": "mentor", "expires_in": "7", "max_uses": "5", "cohort": w["B"].pk,
            "uses": "4", "token": "chosen-token", "created_by": w["users"]["oscar"].pk,
            "revoked_at": "2020-01-01",
        },
        lambda w: Invite.objects.get(role="mentor"),
        lambda w: {
            "cohort_id": w["A"].pk, "uses": 0, "created_by_id": w["users"]["otto"].pk,
            "revoked_at": None, "max_uses": 5,
        },
    ),
    Extra(
        "member_role", "otto", "member_role", on_cohort("A", "A_lena"),
        lambda w: {"role": "mentor", "cohort": w["B"].pk, "user": w["users"]["oscar"].pk},
        lambda w: w["A_lena"],
        lambda w: {"role": "mentor", "cohort_id": w["A"].pk, "user_id": w["users"]["lena"].pk},
    ),
    Extra(
        "page_new", "lena", "page_new", lambda w: [],
        lambda w: {
            "cohort": w["A"].pk, "title": "Brand new", "start": "blank",
            "author": w["users"]["pete"].pk, "status": "approved", "visibility": "public",
        },
        lambda w: Page.objects.get(title="Brand new"),
        lambda w: {"author_id": w["users"]["lena"].pk, "status": "draft", "visibility": "mentors"},
    ),
    Extra(
        "page_import", "lena", "page_import", lambda w: [],
        lambda w: {
            "cohort": w["A"].pk, "text": "# Imported one\n\n## A\nb",
            "author": w["users"]["pete"].pk, "status": "approved", "visibility": "public",
        },
        lambda w: Page.objects.get(title="Imported one"),
        lambda w: {"author_id": w["users"]["lena"].pk, "status": "draft", "visibility": "mentors"},
    ),
    Extra(
        "page_review", "maya", "page_review", page_of("pete_page"),
        lambda w: {
            "verdict": "approved", "summary": "Good", "reviewer": w["users"]["mick"].pk,
            "page": w["lena_page"].pk, "page_version": 999,
        },
        lambda w: Review.objects.get(),
        lambda w: {
            "reviewer_id": w["users"]["maya"].pk, "page_id": w["pete_page"].pk,
            "page_version": Page.objects.get(pk=w["pete_page"].pk).content_version,
        },
    ),
    Extra(
        "section_mark", "maya", "section_mark", on_page("pete_page", "pete_page_section"),
        lambda w: {
            "mark": "good", "reviewer": w["users"]["mick"].pk, "page": w["lena_page"].pk,
            "section_uid": str(w["lena_page_section"].uid), "section_version": 99,
        },
        lambda w: SectionMark.objects.get(),
        lambda w: {
            "reviewer_id": w["users"]["maya"].pk, "page_id": w["pete_page"].pk,
            "section_uid": w["pete_page_section"].uid, "section_version": 1,
        },
    ),
]  # fmt: skip


@pytest.mark.parametrize("extra", EXTRAS, ids=lambda extra: extra.id)
def test_extra_post_fields_never_reach_the_model(client, world, extra: Extra):
    client.force_login(world["users"][extra.actor])
    response = client.post(reverse(extra.name, args=extra.args(world)), extra.data(world))
    assert response.status_code == 302, response.content.decode()[:2000]
    expected = extra.fixed(world)
    assert values(extra.row(world), *expected) == expected


# Reading through swapped ids, bulk actions, claims ------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        lambda w: {"b": w["olga_page_deleted"].pk},
        lambda w: {"a": w["olga_page_deleted"].pk, "b": w["lena_page_deleted"].pk},
        lambda w: {"a": w["lena_page_deleted"].pk, "b": w["olga_page_deleted"].pk},
        lambda w: {"a": w["olga_page_deleted"].pk, "b": OVERFLOW},
    ],
    ids=["b-foreign", "a-foreign", "b-foreign-a-own", "overflow"],
)
def test_history_diffs_never_show_another_pages_revisions(client, world, query):
    client.force_login(world["users"]["lena"])
    url = reverse("page_history", args=page_of("lena_page")(world))
    response = client.get(url, query(world))
    assert response.status_code == 200
    assert "OLGA-SECRET" not in response.content.decode()
    # The same diff is there for the revisions of the page itself.
    own = {"b": world["lena_page_deleted"].pk}
    assert "Section 3" in client.get(url, own).content.decode()


def test_marking_all_notifications_read_touches_only_your_own(client, world):
    client.force_login(world["users"]["lena"])
    client.post(reverse("notification_read_all"))
    assert Notification.objects.get(pk=world["lena_note"].pk).read_at is not None
    others = Notification.objects.exclude(recipient=world["users"]["lena"])
    assert others.exists() and not others.filter(read_at__isnull=False).exists()


@pytest.mark.parametrize("action", ["claim", "release"])
def test_another_mentors_claim_can_be_neither_taken_nor_released(client, world, action):
    client.force_login(world["users"]["maya"])
    before = snapshot()
    response = client.post(
        reverse("review_claim", args=on_cohort("A", "pete_page")(world)), {"action": action}
    )
    assert response.status_code == 302
    assert snapshot() == before
    assert Claim.objects.get(page=world["pete_page"]).mentor == world["users"]["mick"]
