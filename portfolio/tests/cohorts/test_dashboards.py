from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_page, make_user
from portfolio.models import Comment, Membership, Page, Review, Revision, Role
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
        first = client.get(reverse("cohort_dashboard", args=[cohort.slug]))
    # And again, with the cohort's past activity cached.
    with django_assert_max_num_queries(9):
        again = client.get(reverse("cohort_dashboard", args=[cohort.slug]) + "?sort=sections")
    for response in (first, again):
        assert response.status_code == 200
        assert response.content.decode().count('href="/@learner') == size


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
        response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "Page 0" in response.content.decode()


def test_private_pages_never_count_on_the_mentor_dashboard(client, mentor, learner, cohort):
    make_page(learner, cohort, title="Secret", visibility="private", sections=4)
    client.force_login(mentor)
    html = client.get(reverse("cohort_dashboard", args=[cohort.slug])).content.decode()
    row = html[html.index("Lena Learner</a>") :].split("</tr>")[0]
    assert row.count("<td>0</td>") >= 3
    assert "Cohort activity: 0 changes in 12 weeks" in html


def test_a_large_cohort_shows_a_page_of_learners_at_a_time(
    client, mentor, learner, peer, cohort, monkeypatch
):
    monkeypatch.setattr("portfolio.dashboards.PAGE_SIZE", 1)
    client.force_login(mentor)
    url = reverse("cohort_dashboard", args=[cohort.slug])
    first = client.get(url + "?sort=name").content.decode()
    assert "Lena Learner</a>" in first and "Pete Peer</a>" not in first
    assert "Learners 1–1" in first and '?sort=name&amp;page=2" rel="next">Next' in first
    second = client.get(url + "?sort=name&page=2").content.decode()
    assert "Pete Peer</a>" in second and "Lena Learner</a>" not in second
    assert '?sort=name&amp;page=1" rel="prev">Previous' in second and ">Next<" not in second
    assert "No more learners" in client.get(url + "?page=3").content.decode()
    assert "Lena Learner</a>" in client.get(url + "?page=nope").content.decode()


def test_the_sort_orders_the_whole_cohort_before_paging(
    client, mentor, learner, peer, cohort, monkeypatch
):
    monkeypatch.setattr("portfolio.dashboards.PAGE_SIZE", 1)
    make_page(peer, cohort, sections=5)
    client.force_login(mentor)
    url = reverse("cohort_dashboard", args=[cohort.slug]) + "?sort=sections"
    first = client.get(url).content.decode()
    assert "Pete Peer</a>" in first and '?sort=sections&amp;page=2" rel="next">Next' in first


def test_past_activity_counts_until_a_page_turns_private(
    client, mentor, learner, cohort, django_capture_on_commit_callbacks
):
    page = make_page(learner, cohort, sections=2, visibility="cohort")
    Revision.objects.update(created_at=timezone.now() - timedelta(days=2))
    client.force_login(mentor)
    url = reverse("cohort_dashboard", args=[cohort.slug])
    assert "Cohort activity: 2 changes in 12 weeks" in client.get(url).content.decode()
    page.visibility = "private"
    with django_capture_on_commit_callbacks(execute=True):
        page.save(update_fields=["visibility"])
    assert "Cohort activity: 0 changes in 12 weeks" in client.get(url).content.decode()


def test_history_written_with_an_earlier_date_counts_at_once(
    client, mentor, learner, cohort, django_capture_on_commit_callbacks
):
    page = make_page(learner, cohort, sections=1)
    client.force_login(mentor)
    url = reverse("cohort_dashboard", args=[cohort.slug])
    assert "Cohort activity: 1 change in 12 weeks" in client.get(url).content.decode()
    section = page.sections.get()
    with django_capture_on_commit_callbacks(execute=True):
        Revision.objects.create(
            page=page,
            section=section,
            section_uid=section.uid,
            kind="edited",
            heading=section.heading,
            body="Earlier words",
            section_version=1,
            author=learner,
            created_at=timezone.now() - timedelta(days=3),
        )
    html = client.get(url).content.decode()
    assert "Cohort activity: 2 changes in 12 weeks" in html
    with django_capture_on_commit_callbacks(execute=True):
        page.delete()
    assert "Cohort activity: 0 changes in 12 weeks" in client.get(url).content.decode()


def test_todays_changes_show_while_the_past_is_cached(client, mentor, learner, cohort):
    page = make_page(learner, cohort, sections=1)
    client.force_login(mentor)
    url = reverse("cohort_dashboard", args=[cohort.slug])
    assert "Cohort activity: 1 change in 12 weeks" in client.get(url).content.decode()
    page.add_section(heading="Another", body="More", by=learner)
    html = client.get(url).content.decode()
    assert "Cohort activity: 2 changes in 12 weeks" in html
    row = html[html.index("Lena Learner</a>") :].split("</tr>")[0]
    assert "Lena Learner: 2 changes in 12 weeks" in row


def test_the_cohort_heatmap_has_day_and_month_labels_and_a_legend():
    from datetime import date as day_type
    from datetime import timedelta as span

    from portfolio.dashboards import Heat
    from portfolio.templatetags.nexus import heatmap

    monday = day_type(2026, 9, 28)
    weeks = [
        [(monday + span(weeks=w, days=d), w + d, min(4, (w + d) // 3)) for d in range(7)]
        for w in range(12)
    ]
    html = str(heatmap(Heat(weeks=weeks, total=99), "cohort-heat", "Cohort activity"))
    labels = re.findall(r'<text class="heat-axis"[^>]*>(\w+)</text>', html)
    assert labels[:3] == ["Mon", "Wed", "Fri"]
    assert labels[3:] == ["Sep", "Oct", "Nov", "Dec"]
    assert 'class="heat-legend" aria-hidden="true">Less' in html and "More</p>" in html
    assert len(re.findall(r'class="heat-l\d"', html)) == 12 * 7 + 5
    compact = str(heatmap(Heat(weeks=weeks, total=99), "row", "Lena", compact=True))
    assert "heat-axis" not in compact and "heat-legend" not in compact
