"""An htmx request answers with its fragment and computes only what the fragment shows:
its queries and its size stay the same however long the page is (pinned at 2 and 40
sections, each with comments)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import make_page
from portfolio.models import Comment

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


@pytest.fixture(params=[2, 40], ids=["short-page", "long-page"])
def page(request, learner, mentor, cohort):
    page = make_page(learner, cohort, sections=request.param)
    for section in page.sections.all():
        Comment.objects.create(
            page=page, section=section, section_uid=section.uid, author=mentor,
            body="Nice.", body_html="<p>Nice.</p>", page_version=1, section_version=1,
        )  # fmt: skip
    page.tags.create(name="Python", slug="python")
    return page


def post(client, name, page, data, *extra):
    return client.post(reverse(name, args=["lena", page.slug, *extra]), data, headers=HX)


def test_adding_a_tag_answers_with_the_tags_alone(
    client, learner, page, django_assert_max_num_queries
):
    client.force_login(learner)
    # Session, user, page with author and cohort, tag count, tag lookup, slug check and
    # creation, link check and insert, the author (cache), role, tags, suggestions.
    with django_assert_max_num_queries(12):
        response = post(client, "tag_add", page, {"name": "Django"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="tags"')
    assert "Django" in html
    assert len(response.content) < 2_000
    assert 'class="journal-section"' not in html


def test_a_refused_tag_answers_422_with_the_tags_alone_and_the_text_kept(
    client, learner, page, django_assert_max_num_queries
):
    client.force_login(learner)
    with django_assert_max_num_queries(5):
        response = post(client, "tag_add", page, {"name": "!!!"})
    assert response.status_code == 422
    assert 'value="!!!"' in response.content.decode()
    assert len(response.content) < 2_200


def test_removing_a_tag_answers_with_the_tags_alone(
    client, learner, page, django_assert_max_num_queries
):
    client.force_login(learner)
    with django_assert_max_num_queries(8):
        response = post(client, "tag_remove", page, {}, "python")
    assert response.status_code == 200
    assert "No tags yet." in response.content.decode()
    assert len(response.content) < 1_500


def test_changing_visibility_answers_with_the_visibility_form_alone(
    client, learner, page, django_assert_max_num_queries
):
    client.force_login(learner)
    with django_assert_max_num_queries(4):
        response = post(client, "page_visibility", page, {"visibility": "cohort"})
    assert response.status_code == 200
    assert len(response.content) < 1_100
    assert 'class="journal-section"' not in response.content.decode()
    page.refresh_from_db()
    assert page.visibility == "cohort"


def test_an_htmx_fragment_does_not_count_unread_notifications(client, learner, page):
    client.force_login(learner)
    with CaptureQueriesContext(connection) as queries:
        post(client, "page_visibility", page, {"visibility": "cohort"})
    assert not [q for q in queries.captured_queries if "notification" in q["sql"].lower()]
    with CaptureQueriesContext(connection) as queries:
        client.get(page.get_absolute_url())
    assert len([q for q in queries.captured_queries if "notification" in q["sql"].lower()]) == 1
