from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_page, make_user
from portfolio.models import Comment, Membership, Page, Review, Role
from portfolio.services import comment_post, review_submit

pytestmark = pytest.mark.django_db


def test_the_mentor_dashboard_shows_a_row_per_learner(client, mentor, learner, peer, cohort):
    page = make_page(learner, cohort, sections=3)
    page.submit()
    Page.objects.filter(pk=page.pk).update(submitted_at=timezone.now() - timedelta(days=4))
    client.force_login(mentor)
    html = client.get(reverse("cohort_dashboard", args=[cohort.slug])).content.decode()
    assert html.count("<h1") == 1
    row = html[html.index("Lena Learner</a>") :].split("</tr>")[0]
    assert "<td>1</td>" in row and "<td>3</td>" in row and "waiting 4 days" in row
    assert 'class="is-stuck"' in html
    assert "Pete Peer" in html
    assert "Oldest wait in the queue" in html and "4 days" in html


def test_the_heatmap_is_an_accessible_svg_with_a_table(client, mentor, learner, cohort):
    make_page(learner, cohort, sections=2)
    client.force_login(mentor)
    html = client.get(reverse("cohort_dashboard", args=[cohort.slug])).content.decode()
    assert 'role="img" aria-labelledby="cohort-heat-title cohort-heat-desc"' in html
    assert "Cohort activity: 2 changes in 12 weeks" in html
    assert "<summary>Activity as a table</summary>" in html
    assert html.count('class="heat-l') >= 84


def test_the_median_wait_of_this_weeks_reviews(client, mentor, learner, cohort):
    for hours in (2, 10, 30):
        page = make_page(learner, cohort, title=f"P{hours}")
        page.submit()
        Page.objects.filter(pk=page.pk).update(submitted_at=timezone.now() - timedelta(hours=hours))
        page.refresh_from_db()
        review_submit(page=page, reviewer=mentor, verdict="approved", summary="ok")
    assert Review.objects.count() == 3
    client.force_login(mentor)
    html = client.get(reverse("cohort_dashboard", args=[cohort.slug])).content.decode()
    assert "10 hours" in html


def test_sorting_the_dashboard(client, mentor, learner, peer, cohort):
    make_page(peer, cohort, sections=5)
    client.force_login(mentor)
    html = client.get(
        reverse("cohort_dashboard", args=[cohort.slug]) + "?sort=sections"
    ).content.decode()
    assert html.index("Pete Peer</a>") < html.index("Lena Learner</a>")


def test_learners_cannot_see_the_mentor_dashboard(client, learner, cohort):
    client.force_login(learner)
    assert client.get(reverse("cohort_dashboard", args=[cohort.slug])).status_code == 403


@pytest.mark.parametrize("size", [3, 30])
def test_the_dashboard_query_count_is_fixed(
    client, mentor, cohort, size, django_assert_max_num_queries
):
    for n in range(size):
        author = make_user(f"learner{n}")
        Membership.objects.create(user=author, cohort=cohort, role=Role.LEARNER)
        make_page(author, cohort, sections=2)
    client.force_login(mentor)
    with django_assert_max_num_queries(9):
        client.get(reverse("cohort_dashboard", args=[cohort.slug]))


def test_the_learner_dashboard_says_what_is_waiting(client, learner, mentor, cohort):
    page = make_page(learner, cohort, title="Week 1")
    comment_post(page=page, author=mentor, body="Question for you", section=page.sections.first())
    mine = make_page(learner, cohort, title="Week 2")
    review_page = make_page(learner, cohort, title="Week 3")
    review_page.submit()
    review_submit(
        page=review_page, reviewer=mentor, verdict="changes_requested", summary="More detail"
    )
    client.force_login(learner)
    html = client.get(reverse("home")).content.decode()
    assert "Waiting for your answer" in html and "Maya Mentor on “Week 1”" in html
    assert "Reviews you received" in html and "More detail" in html
    assert "Work on the feedback for “Week 3”" in html
    assert mine.title in html


def test_a_thread_i_answered_last_is_not_waiting(client, learner, mentor, journal):
    root = comment_post(page=journal, author=mentor, body="Q", section=journal.sections.first())
    comment_post(page=journal, author=learner, body="A", parent=root)
    client.force_login(learner)
    assert "Waiting for your answer" not in client.get(reverse("home")).content.decode()
    assert Comment.objects.count() == 2


@pytest.mark.parametrize("size", [2, 20])
def test_the_learner_dashboard_query_count_is_fixed(
    client, learner, mentor, cohort, size, django_assert_max_num_queries
):
    for n in range(size):
        page = make_page(learner, cohort, title=f"Page {n}")
        comment_post(page=page, author=mentor, body="Q", section=page.sections.first())
    client.force_login(learner)
    with django_assert_max_num_queries(9):
        client.get(reverse("home"))


def test_private_pages_never_count_on_the_mentor_dashboard(client, mentor, learner, cohort):
    make_page(learner, cohort, title="Secret", visibility="private", sections=4)
    client.force_login(mentor)
    html = client.get(reverse("cohort_dashboard", args=[cohort.slug])).content.decode()
    row = html[html.index("Lena Learner</a>") :].split("</tr>")[0]
    assert row.count("<td>0</td>") >= 3
    assert "Cohort activity: 0 changes in 12 weeks" in html
