"""An htmx request answers with its fragment and computes only what the fragment shows:
its queries and its size stay the same however long the page is (pinned at 2 and 40
sections, each with comments)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portfolio.models import Comment, Page
from portfolio.readme import parse_readme
from portfolio.services import page_import
from portfolio.threads import mentionable_users

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


@pytest.fixture(params=[2, 40], ids=["short-page", "long-page"])
def page(request, learner, mentor, cohort):
    # Imported, so built with one render (adding 40 sections one by one renders 40 times).
    text = "# My journey\n\n" + "".join(
        f"## Section {n + 1}\n\nBody of **section {n + 1}**.\n\n" for n in range(request.param)
    )
    page = page_import(cohort=cohort, author=learner, parsed=parse_readme(text))
    for section in page.sections.all():
        Comment.objects.create(
            page=page, section=section, section_uid=section.uid, author=mentor,
            body="Nice.", body_html="<p>Nice.</p>", page_version=1, section_version=1,
        )  # fmt: skip
    page.tags.create(name="Python", slug="python")
    return page


def post(client, name, page, data, *extra):
    return client.post(reverse(name, args=["lena", page.slug, *extra]), data, headers=HX)


@pytest.mark.parametrize(
    ("name", "data", "extra", "status", "queries", "size", "shown"),
    [
        # Session, user, page with author, cohort and the viewer's role, tag count, tag
        # lookup, slug check and creation, link check and insert, the author (cache), tags,
        # suggestions.
        ("tag_add", {"name": "Django"}, [], 200, 11, 2_000, "Django"),
        ("tag_add", {"name": "!!!"}, [], 422, 4, 2_200, 'value="!!!"'),
        ("tag_remove", {}, ["python"], 200, 7, 1_500, "No tags yet."),
        ("page_visibility", {"visibility": "cohort"}, [], 200, 3, 1_100, 'value="cohort" selected'),
    ],
    ids=["tag-add", "tag-refused", "tag-remove", "visibility"],
)
def test_a_page_setting_answers_with_its_own_fragment_alone(
    client, learner, page, name, data, extra, status, queries, size, shown,
    django_assert_max_num_queries,
):  # fmt: skip
    client.force_login(learner)
    with django_assert_max_num_queries(queries):
        response = post(client, name, page, data, *extra)
    assert response.status_code == status
    html = response.content.decode()
    assert shown in html
    assert len(response.content) < size
    assert 'class="journal-section"' not in html


def test_the_page_settings_fragments_change_what_they_say(client, learner, page):
    client.force_login(learner)
    assert post(client, "tag_add", page, {"name": "Django"}).status_code == 200
    assert post(client, "page_visibility", page, {"visibility": "cohort"}).status_code == 200
    page.refresh_from_db()
    assert (page.visibility, sorted(t.name for t in page.tags.all())) == (
        "cohort",
        ["Django", "Python"],
    )


def test_an_htmx_fragment_does_not_count_unread_notifications(client, learner, page):
    client.force_login(learner)
    with CaptureQueriesContext(connection) as queries:
        post(client, "page_visibility", page, {"visibility": "cohort"})
    assert not [q for q in queries.captured_queries if "notification" in q["sql"].lower()]
    with CaptureQueriesContext(connection) as queries:
        client.get(page.get_absolute_url())
    assert len([q for q in queries.captured_queries if "notification" in q["sql"].lower()]) == 1


def first_section(page):
    return page.sections.order_by("position").first()


@pytest.mark.parametrize(
    ("who", "name", "data", "on_root", "queries"),
    [
        ("mentor", "comment_create", {"body": "Hi @lena"}, False, 12),
        ("mentor", "comment_create", {"body": "A reply"}, True, 10),
        ("mentor", "comment_edit", {"body": "Nice!"}, True, 7),
        ("learner", "comment_address", {}, True, 10),
        ("mentor", "comment_resolve", {}, True, 8),
    ],
    ids=["post", "reply", "edit", "address", "resolve"],
)
def test_a_comment_change_answers_with_its_section_s_comment_box_alone(
    client, learner, mentor, page, who, name, data, on_root, queries, django_assert_max_num_queries
):
    section = first_section(page)
    root = page.comments.get(section=section)
    client.force_login(learner if who == "learner" else mentor)
    if name == "comment_create":
        data = {**data, **({"parent": root.pk} if on_root else {"section": section.pk})}
    extra = [root.pk] if name != "comment_create" else []
    # Threads of this section only: its comments, their authors' roles, its revisions.
    with django_assert_max_num_queries(queries):
        response = post(client, name, page, data, *extra)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<div class="comment-box" id="comments-{section.uid}"')
    assert len(response.content) < 9_000
    assert 'class="journal-section"' not in html


def test_opening_and_saving_a_section_answer_with_that_section_alone(
    client, learner, page, django_assert_max_num_queries
):
    section = first_section(page)
    client.force_login(learner)
    url = reverse("section_edit", args=["lena", page.slug, section.pk])
    with django_assert_max_num_queries(4):
        response = client.get(url, headers=HX)
    assert response.status_code == 200
    # The editor with its draft, "who is editing" and Save draft wiring.
    assert len(response.content) < 3_300
    data = {"heading": "Section 1", "body": "New text", "version": section.version}
    with django_assert_max_num_queries(13):
        response = client.post(url, data, headers=HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="journal-section') == 1
    assert "New text" in html
    assert len(response.content) < 8_000


def test_a_section_s_comment_box_loads_that_section_s_comments_and_their_authors_only(
    client, mentor, page
):
    section = first_section(page)
    client.force_login(mentor)
    with CaptureQueriesContext(connection) as queries:
        post(client, "comment_create", page, {"body": "More", "section": section.pk})
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    comments = [sql for sql in reads if 'FROM "portfolio_comment"' in sql and "JOIN" in sql]
    assert comments
    assert all(str(section.uid).replace("-", "") in sql.replace("-", "") for sql in comments)
    # The commenters' roles come with the comments, one subquery per comment's author;
    # no query reads the whole cohort's memberships.
    assert any('"U0"."user_id" = ("portfolio_comment"."author_id")' in sql for sql in comments)
    memberships = [sql for sql in reads if '"portfolio_membership"' in sql]
    assert memberships
    assert all(
        '"user_id" = ("portfolio_comment"."author_id")' in sql or re.search(r'"user_id" = \d+', sql)
        for sql in memberships
    )


def test_a_comment_looks_up_only_the_people_it_mentions(page, outsider, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert mentionable_users(page, "No one named here (not even user@example.com).") == {}
    with django_assert_num_queries(1):
        found = mentionable_users(page, "@lena, @LENA and @Maya, and @nobody or @oscar.")
    # Lena and Maya are in the cohort; Oscar (the outsider) is not.
    assert sorted(found) == ["lena", "maya"]
    assert outsider.username == "oscar"


@pytest.mark.parametrize("sections", [10, 100])
def test_importing_a_readme_costs_the_same_queries_at_any_length(
    client, learner, cohort, sections, django_assert_max_num_queries
):
    text = "# Imported\n\n" + "".join(
        f"## Part {n}\n\nSome *text* with a [link](https://example.com/{n}).\n\n"
        for n in range(sections)
    )
    client.force_login(learner)
    # Session, user, cohorts, slug, the page (inside a savepoint: two statements more,
    # so a lost race for the slug can try the next), its sections and first revisions in
    # bulk, the content version with the search text (one statement on PostgreSQL).
    with django_assert_max_num_queries(12):
        response = client.post(reverse("page_import"), {"cohort": cohort.pk, "text": text})
    assert response.status_code == 302
    assert Page.objects.get(title="Imported").sections.count() == sections


def test_marking_a_section_works_out_that_section_s_diff_alone(
    client, learner, mentor, page, monkeypatch, django_assert_max_num_queries
):
    """A mark answers with the section's review fragment: one diff, not one per
    changed section of the page."""
    from datetime import timedelta

    from django.utils import timezone

    from portfolio.models import Review
    from portfolio.views import reviews

    Review.objects.create(
        page=page, reviewer=mentor, verdict="changes_requested", summary="More, please.",
        page_version=1, created_at=timezone.now() - timedelta(hours=1),
    )  # fmt: skip
    for section in page.sections.all():
        section.save_text(heading="", body="Rewritten.", base_version=section.version, by=learner)
    type(page).objects.filter(pk=page.pk).update(status="in_review")
    diffs = []
    real = reviews.diff_text
    monkeypatch.setattr(reviews, "diff_text", lambda *args: diffs.append(args) or real(*args))
    section = first_section(page)
    client.force_login(mentor)
    with django_assert_max_num_queries(16):
        response = post(client, "section_mark", page, {"mark": "good"}, section.pk)
    assert response.status_code == 200
    assert len(diffs) == 1
    html = response.content.decode()
    assert html.count('class="journal-section review-section') == 1
    assert "Rewritten." in html
    assert len(response.content) < 9_000


def test_moving_a_section_answers_with_the_pair_it_swapped(
    client, learner, page, django_assert_max_num_queries
):
    one, two = page.sections.order_by("position")[:2]
    client.force_login(learner)
    # Session, user, page, section; the lock, the sections, the order and HTML in bulk,
    # the page's touch and content version; abilities and this pair's threads.
    with django_assert_max_num_queries(10):
        response = post(client, "section_move", page, {"direction": "up"}, two.pk)
    assert response.status_code == 200
    html = response.content.decode()
    # The moved section first, then its neighbour, which htmx keeps as it is on the
    # page (hx-preserve): an editor open in it keeps what was typed.
    assert html.count('class="journal-section') == 2
    assert html.index(f'id="{two.anchor}"') < html.index(f'id="{one.anchor}"')
    assert f'id="{one.anchor}" hx-target="this" hx-swap="outerHTML" hx-preserve' in html
    assert "hx-swap-oob" not in html
    assert 'name="direction" value="up" data-autofocus' in html
    assert len(response.content) < 12_000  # 228 KB at 40 sections when it sent them all
    assert list(page.sections.order_by("position")[:2]) == [two, one]


def test_a_move_that_renumbers_footnotes_redraws_the_sections_they_change(client, learner, cohort):
    text = (
        "# Notes\n\n## One\n\nFirst[^one].\n\n## Two\n\nSecond[^two].\n\n"
        "## Three\n\nSecond again[^two].\n\n[^one]: The first note.\n\n[^two]: The second note.\n"
    )
    page = page_import(cohort=cohort, author=learner, parsed=parse_readme(text))
    one, two, three = page.sections.order_by("position")
    client.force_login(learner)
    response = post(client, "section_move", page, {"direction": "down"}, one.pk)
    assert response.status_code == 200
    html = response.content.decode()
    # "two" is cited first now: note 1. Three cites it too, so Three is redrawn in
    # place (out of band), and so are the footnotes at the foot of the page.
    three.refresh_from_db()
    assert f'id="{three.anchor}" hx-target="this" hx-swap="outerHTML" hx-swap-oob="true"' in html
    assert three.body_html in html
    assert 'id="footnotes" aria-labelledby="footnotes-title" hx-swap-oob="true">' in html
    assert html.index(f'id="{two.anchor}"') < html.index(f'id="{one.anchor}"')
    assert html.count('class="journal-section') == 3


def test_a_section_that_cannot_move_answers_with_itself(client, learner, page):
    first = first_section(page)
    client.force_login(learner)
    response = post(client, "section_move", page, {"direction": "up"}, first.pk)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="journal-section') == 1
    assert "hx-preserve" not in html
    assert first_section(page) == first


@pytest.mark.parametrize(
    ("method", "name", "data", "target", "status", "queries", "size"),
    [
        # Cancelling an edit answers with the section as it reads.
        ("get", "section_detail", {}, "section", 200, 4, 6_000),
        ("post", "section_delete", {}, "section", 200, 14, 10),
        ("post", "section_add", {"heading": "One more"}, None, 200, 12, 4_000),
        ("post", "section_add", {"heading": ""}, None, 422, 2, 1_200),
        ("get", "page_meta", {}, None, 200, 2, 2_500),
        ("post", "page_meta", {"title": "Renamed", "version": 1}, None, 200, 8, 2_500),
        ("get", "comment_edit", {}, "comment", 200, 4, 2_000),
        ("post", "comment_delete", {}, "comment", 200, 7, 4_000),
        ("post", "page_preview", {"body": "Some **bold** text."}, None, 200, 2, 200),
    ],
    ids=[
        "section-cancel", "section-delete", "section-add", "section-add-refused", "meta-open",
        "meta-save", "comment-edit-open", "comment-delete", "preview",
    ],
)  # fmt: skip
def test_every_other_page_fragment_costs_the_same_at_any_length(
    client, learner, mentor, page, method, name, data, target, status, queries, size,
    django_assert_max_num_queries,
):  # fmt: skip
    section = first_section(page)
    comment = page.comments.get(section=section)
    args = {"section": [section.pk], "comment": [comment.pk], None: []}[target]
    client.force_login(mentor if target == "comment" else learner)
    url = reverse(name, args=["lena", page.slug, *args])
    with django_assert_max_num_queries(queries):
        response = getattr(client, method)(url, data, headers=HX)
    assert response.status_code == status
    assert len(response.content) < size
    assert response.content.decode().count('class="journal-section"') <= 1
