"""Each person's home answers "what is waiting on me": learners their next steps,
mentors the pages waiting for them and threads learners answered, organizers open
invites, quiet learners and the queue; someone with several roles sees each."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_invite, make_page, make_user
from portfolio.models import Claim, Cohort, Membership, Page, Role
from portfolio.services import comment_post, page_submit

pytestmark = pytest.mark.django_db


def home(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def submitted(author, cohort, title: str, days_ago: int) -> Page:
    page = make_page(author, cohort, title=title)
    page_submit(page=page, by=author)
    Page.objects.filter(pk=page.pk).update(
        submitted_at=timezone.now() - timedelta(days=days_ago, hours=1)
    )
    return page


def block(html: str, heading_id: str) -> str:
    start = html.index(f'aria-labelledby="{heading_id}"')
    return html[start : html.index("</section>", start)]


def test_a_mentor_sees_the_pages_waiting_oldest_first_with_wait_and_claim(
    client, cohort, learner, peer, mentor, organizer
):
    newer = submitted(learner, cohort, "Newer page", days_ago=2)
    older = submitted(peer, cohort, "Older page", days_ago=44)
    Claim.objects.create(
        page=newer, mentor=organizer, expires_at=timezone.now() + timedelta(hours=2)
    )
    html = home(client, mentor)
    assert "Write your first page" not in html
    waiting = block(html, "review-title")
    assert waiting.index("Older page") < waiting.index("Newer page")
    waits = re.findall(r"waiting <time [^>]*>([^<]+)</time>", waiting)
    assert waits == ["44 days", "2 days"]
    assert f"{organizer.name} is reviewing it" in waiting
    assert "nobody has claimed it" in waiting
    assert reverse("page_review", args=[older.author.username, older.slug]) in waiting
    assert "2 pages wait for your review" in html


def test_a_mentor_sees_threads_a_learner_answered(client, cohort, learner, mentor):
    page = make_page(learner, cohort, title="Week 2")
    thread = comment_post(page=page, author=mentor, body="Why Redis here?")
    comment_post(page=page, author=learner, body="For the cache.", parent=thread)
    unanswered = comment_post(page=page, author=mentor, body="And the tests?")
    html = home(client, mentor)
    answered = html[html.index("Learners answered your comments") :]
    assert f"#thread-{thread.pk}" in answered
    assert f"#thread-{unanswered.pk}" not in answered


def test_a_learner_still_gets_next_steps_and_no_review_block(client, cohort, learner):
    html = home(client, learner)
    assert "Write your first page" in html
    assert 'aria-labelledby="review-title"' not in html
    assert "Running " not in html


def test_an_organizer_sees_invites_quiet_learners_and_queue_health(
    client, cohort, learner, peer, organizer
):
    make_invite(cohort, role="mentor")
    long_ago = timezone.now() - timedelta(days=30)
    Membership.objects.filter(cohort=cohort).update(joined_at=long_ago)
    # The peer wrote this week, the learner never did.
    make_page(peer, cohort, title="Fresh")
    submitted(peer, cohort, "Waiting one", days_ago=3)
    html = home(client, organizer)
    running = block(html, f"run-{cohort.slug}")
    assert "Mentor link · 0 of" in running
    quiet = running[running.index("Quiet for 14 days") :]
    assert learner.name in quiet and "nothing written yet" in quiet
    assert peer.name not in quiet
    assert re.search(r"<strong>1</strong> page waiting, 1 unclaimed", running)
    assert "Oldest has waited 3 days" in running


def test_someone_with_several_roles_sees_each(client, cohort, learner, peer):
    other = Cohort.objects.create(name="Data 2", slug="data-2")
    Membership.objects.create(user=learner, cohort=other, role=Role.ORGANIZER)
    writer = make_user("wanda")
    Membership.objects.create(user=writer, cohort=other, role=Role.LEARNER)
    submitted(writer, other, "Wanda’s page", days_ago=1)
    html = home(client, learner)
    assert "Wanda’s page" in block(html, "review-title")
    assert f'aria-labelledby="run-{other.slug}"' in html
    assert f'aria-labelledby="run-{cohort.slug}"' not in html
    # Still a learner in the first cohort: their own pages and next steps are there.
    assert "Your pages" in html


@pytest.mark.parametrize("waiting", [1, 12])
@pytest.mark.parametrize("persona, queries", [("mentor", 6), ("organizer", 14)])
def test_the_reviewers_home_costs_the_same_queries_whatever_waits(
    client, request, cohort, learner, django_assert_max_num_queries, waiting, persona, queries
):
    mentor = request.getfixturevalue("mentor")
    for number in range(waiting):
        page = submitted(learner, cohort, f"Page {number}", days_ago=number + 1)
        thread = comment_post(page=page, author=mentor, body="Why?")
        comment_post(page=page, author=learner, body="Because.", parent=thread)
        make_invite(cohort)
    client.force_login(request.getfixturevalue(persona))
    with django_assert_max_num_queries(queries):
        html = client.get(reverse("home")).content.decode()
    assert f"Page {waiting - 1}" in html  # the oldest
