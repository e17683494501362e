"""Publishing after approval is one explicit step (or automatic when asked for at
submit), submitting with empty sections warns first, and a reader outside the cohort
sees the document and its author, never the workflow."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_page
from portfolio.models import Page, Status, Visibility
from portfolio.services import page_submit, review_submit

pytestmark = pytest.mark.django_db


def url(page: Page, name: str) -> str:
    return reverse(name, args=[page.author.username, page.slug])


def approve(page: Page, mentor) -> None:
    review_submit(page=page, reviewer=mentor, verdict="approved", summary="Clear and honest.")


def test_after_approval_the_learner_is_asked_to_publish_and_it_takes_one_click(
    client, learner, mentor, journal
):
    page_submit(page=journal, by=learner)
    approve(journal, mentor)
    journal.refresh_from_db()
    assert journal.visibility == Visibility.MENTORS  # approval alone publishes nothing
    client.force_login(learner)
    html = client.get(reverse("home")).content.decode()
    assert f"“{journal.title}” is approved — publish it to your portfolio?" in html
    assert url(journal, "page_visibility") in html
    response = client.post(url(journal, "page_visibility"), {"visibility": "public"})
    assert response.status_code == 302
    journal.refresh_from_db()
    assert journal.visibility == Visibility.PUBLIC
    html = client.get(reverse("home")).content.decode()
    assert "publish it to your portfolio?" not in html


@pytest.mark.parametrize("asked, visibility", [(True, "public"), (False, "mentors")])
def test_a_page_publishes_itself_on_approval_only_when_asked_at_submit(
    client, learner, mentor, journal, asked, visibility
):
    client.force_login(learner)
    data = {"confirm": "1", **({"publish_on_approval": "on"} if asked else {})}
    assert client.post(url(journal, "page_submit"), data).status_code == 302
    journal.refresh_from_db()
    assert journal.status == Status.IN_REVIEW
    assert journal.publish_on_approval is asked
    approve(journal, mentor)
    journal.refresh_from_db()
    assert journal.visibility == visibility


def test_submitting_with_empty_sections_warns_first_and_keeps_the_choice(client, learner, cohort):
    page = make_page(learner, cohort, title="Half done", sections=1)
    page.add_section(heading="Challenges", body="", by=learner)
    client.force_login(learner)
    response = client.post(url(page, "page_submit"), {"publish_on_approval": "on"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Submit with 1 empty section?</h1>" in html
    assert "Challenges" in html
    assert 'name="confirm"' in html and 'name="publish_on_approval"' in html
    page.refresh_from_db()
    assert page.status == Status.DRAFT  # nothing was submitted yet
    client.post(url(page, "page_submit"), {"publish_on_approval": "on", "confirm": "1"})
    page.refresh_from_db()
    assert page.status == Status.IN_REVIEW and page.publish_on_approval


@pytest.fixture
def public_page(learner, mentor, cohort):
    page = make_page(learner, cohort, title="Week 5", visibility="public", sections=2)
    page.add_section(heading="Nothing yet", body="", by=learner)
    page.tags.create(name="Django", slug="django")
    page_submit(page=page, by=learner)
    approve(page, mentor)
    return page


def test_a_visitor_sees_the_document_and_its_author_not_the_workflow(client, public_page):
    html = client.get(public_page.get_absolute_url()).content.decode()
    assert "Section 1" in html and "<strong>section 2</strong>" in html
    assert "Lena Learner" in html and "min read" in html
    for workflow in [
        "History of changes",
        "Visibility",
        "Public: anyone with the link",
        'id="review-box"',
        "Clear and honest.",
        "Approved</span>",
        "Nothing here yet",
        "Nothing yet",  # the empty section's heading: hidden from readers
        url(public_page, "page_history"),
    ]:
        assert workflow not in html, workflow
    assert f'href="/@{public_page.author.username}/?tag=django"' in html


def test_history_stays_with_members(client, public_page, outsider):
    assert client.get(url(public_page, "page_history")).status_code == 404
    client.force_login(outsider)
    assert client.get(url(public_page, "page_history")).status_code == 404


def test_readers_move_between_the_authors_public_pages_only(client, learner, cohort, public_page):
    earlier = make_page(learner, cohort, title="Week 4", visibility="public")
    hidden = make_page(learner, cohort, title="Week 6 notes", visibility="mentors")
    later = make_page(learner, cohort, title="Week 7", visibility="public")
    for page, days in [(earlier, 3), (public_page, 2), (hidden, 1)]:
        Page.objects.filter(pk=page.pk).update(created_at=timezone.now() - timedelta(days=days))
    html = client.get(public_page.get_absolute_url()).content.decode()
    assert f'href="{earlier.get_absolute_url()}" rel="prev"' in html
    assert f'href="{later.get_absolute_url()}" rel="next"' in html
    assert hidden.title not in html


def test_a_member_can_look_at_the_reader_view(client, learner, public_page):
    client.force_login(learner)
    html = client.get(public_page.get_absolute_url()).content.decode()
    assert "See it as readers do" in html and "History of changes" in html
    html = client.get(public_page.get_absolute_url() + "?view=reader").content.decode()
    assert "This is the page as readers outside your cohort see it." in html
    assert "History of changes" not in html


@pytest.mark.parametrize("sections", [2, 30])
def test_the_reader_view_costs_the_same_queries_at_any_length(
    client, learner, cohort, django_assert_max_num_queries, sections
):
    page = make_page(learner, cohort, title="Long", visibility="public", sections=sections)
    with django_assert_max_num_queries(9):
        response = client.get(page.get_absolute_url())
    assert response.status_code == 200
    assert f"Section {sections}" in response.content.decode()


def test_the_profile_shows_readers_the_portfolio_and_members_the_workflow(
    client, learner, public_page, outsider
):
    profile = reverse("profile", args=[learner.username])
    for reader in (None, outsider):
        if reader:
            client.force_login(reader)
        html = client.get(profile).content.decode()
        assert public_page.title in html and "min read" in html
        assert "Approved</span>" not in html and "sections" not in html
    client.force_login(learner)
    html = client.get(profile).content.decode()
    assert '<span class="badge badge-ok">Approved</span>' in html
    assert "3 sections" in html
