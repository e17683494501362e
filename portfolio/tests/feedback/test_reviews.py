from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from conftest import make_page, make_user
from portfolio.models import (
    Claim,
    Comment,
    Membership,
    Notification,
    Page,
    Review,
    Role,
    SavedReply,
    SectionMark,
    Status,
)

pytestmark = pytest.mark.django_db


def url(name, page, *args):
    return reverse(name, args=[page.author.username, page.slug, *args])


def submit(client, learner, page):
    client.force_login(learner)
    return client.post(url("page_submit", page), follow=True)


def test_submitting_moves_the_page_to_review_and_tells_the_mentors(
    client, learner, mentor, organizer, peer, journal
):
    submit(client, learner, journal)
    journal.refresh_from_db()
    assert journal.status == Status.IN_REVIEW and journal.submitted_at is not None
    recipients = set(Notification.objects.values_list("recipient__username", flat=True))
    assert recipients == {"maya", "otto"}


def test_submitting_a_private_page_raises_it_to_mentors_and_says_so(client, learner, cohort):
    page = make_page(learner, cohort, visibility="private")
    response = submit(client, learner, page)
    page.refresh_from_db()
    assert page.visibility == "mentors"
    assert "visible to you and the cohort’s mentors" in response.content.decode()


def test_a_page_in_review_cannot_be_submitted_twice_and_can_be_withdrawn(client, learner, journal):
    submit(client, learner, journal)
    again = client.post(url("page_submit", journal), follow=True)
    assert "already waiting for a review" in again.content.decode()
    client.post(url("page_withdraw", journal))
    journal.refresh_from_db()
    assert journal.status == Status.DRAFT and journal.submitted_at is None


def test_the_queue_lists_pages_in_review_oldest_first(client, mentor, learner, peer, cohort):
    older = make_page(learner, cohort, title="Older", status="in_review")
    newer = make_page(peer, cohort, title="Newer", status="in_review", visibility="cohort")
    make_page(learner, cohort, title="Still a draft")
    Page.objects.filter(pk=older.pk).update(submitted_at=timezone.now() - timedelta(days=3))
    Page.objects.filter(pk=newer.pk).update(submitted_at=timezone.now() - timedelta(hours=2))
    client.force_login(mentor)
    html = client.get(reverse("review_queue", args=[cohort.slug])).content.decode()
    assert html.index("Older") < html.index("Newer")
    assert "Still a draft" not in html
    assert ">3 days</time>" in html and "first review" in html


def test_learners_cannot_open_the_queue(client, learner, cohort):
    client.force_login(learner)
    assert client.get(reverse("review_queue", args=[cohort.slug])).status_code == 403


def test_a_claim_keeps_a_second_mentor_off_until_released_or_expired(
    client, mentor, organizer, learner, cohort
):
    page = make_page(learner, cohort, status="in_review")
    claim_url = reverse("review_claim", args=[cohort.slug, page.pk])
    client.force_login(mentor)
    client.post(claim_url, {"action": "claim"})
    assert Claim.objects.get().mentor == mentor
    client.force_login(organizer)
    response = client.post(claim_url, {"action": "claim"}, follow=True)
    assert "Maya Mentor is already reviewing" in response.content.decode()
    assert Claim.objects.get().mentor == mentor
    Claim.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    client.post(claim_url, {"action": "claim"})
    assert Claim.objects.get().mentor == organizer
    client.post(claim_url, {"action": "release"})
    assert not Claim.objects.exists()


def test_claims_last_the_configured_time(client, mentor, learner, cohort, settings):
    settings.REVIEW_CLAIM_HOURS = 2
    page = make_page(learner, cohort, status="in_review")
    client.force_login(mentor)
    client.post(reverse("review_claim", args=[cohort.slug, page.pk]), {"action": "claim"})
    claim = Claim.objects.get()
    assert (
        timedelta(hours=1, minutes=59) < claim.expires_at - claim.claimed_at <= timedelta(hours=2)
    )


@pytest.mark.parametrize("size", [3, 30])
def test_the_queue_makes_a_fixed_number_of_queries(
    client, mentor, cohort, size, django_assert_max_num_queries
):
    for n in range(size):
        author = make_user(f"author{n}")
        Membership.objects.create(user=author, cohort=cohort, role=Role.LEARNER)
        page = make_page(author, cohort, title=f"Page {n}", status="in_review", sections=3)
        Claim.objects.create(
            page=page, mentor=mentor, expires_at=timezone.now() + timedelta(hours=1)
        )
    client.force_login(mentor)
    # Session, user, unread count, cohort, role, one count and one page of rows.
    with django_assert_max_num_queries(8):
        html = client.get(reverse("review_queue", args=[cohort.slug])).content.decode()
    assert html.count('id="queue-') == size


def test_marking_sections_and_approving(client, learner, mentor, journal):
    submit(client, learner, journal)
    section = journal.sections.first()
    client.force_login(mentor)
    review_url = url("page_review", journal)
    assert client.get(review_url).status_code == 200
    response = client.post(
        url("section_mark", journal, section.pk),
        {"mark": "good", "comment": "Clear."},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and "Looks good" in response.content.decode()
    assert SectionMark.objects.get().mark == "good"
    assert Comment.objects.get().body == "Clear."
    response = client.post(review_url, {"verdict": "approved", "summary": "Well done."})
    assert response["Location"] == reverse("review_queue", args=[journal.cohort.slug])
    journal.refresh_from_db()
    review = Review.objects.get()
    assert journal.status == Status.APPROVED and journal.approved_at == review.created_at
    assert review.page_version == journal.content_version
    assert Notification.objects.filter(recipient=learner, kind="reviewed").exists()


def test_a_review_needs_a_summary(client, learner, mentor, journal):
    submit(client, learner, journal)
    client.force_login(mentor)
    response = client.post(url("page_review", journal), {"verdict": "approved", "summary": ""})
    assert response.status_code == 422
    assert "Write a short summary" in response.content.decode()
    journal.refresh_from_db()
    assert journal.status == Status.IN_REVIEW


def test_the_author_never_reviews_their_own_page(client, learner, journal):
    submit(client, learner, journal)
    assert client.get(url("page_review", journal)).status_code == 403


def test_a_good_mark_holds_until_the_section_changes(client, learner, mentor, journal):
    submit(client, learner, journal)
    one, two = journal.sections.order_by("position")
    client.force_login(mentor)
    for section in (one, two):
        client.post(url("section_mark", journal, section.pk), {"mark": "good"})
    two.save_text(heading=two.heading, body="Changed.", base_version=two.version, by=learner)
    html = client.get(url("page_review", journal)).content.decode()
    assert html.count('<span class="badge badge-ok">Looks good</span>') == 1


def test_re_review_shows_only_what_changed(client, learner, mentor, journal):
    submit(client, learner, journal)
    client.force_login(mentor)
    client.post(url("page_review", journal), {"verdict": "changes_requested", "summary": "More."})
    one, two = journal.sections.order_by("position")
    two.save_text(
        heading=two.heading,
        body="Body of section 2, now with an example.",
        base_version=1,
        by=learner,
    )
    submit(client, learner, journal)
    client.force_login(mentor)
    html = client.get(url("page_review", journal)).content.decode()
    assert "1 section unchanged since" in html
    assert html.count("Unchanged since the last review") == 1
    assert html.count("Changed since the last review") == 1
    assert "Body of section 2<ins>, now with an example</ins>." in html
    queue = client.get(reverse("review_queue", args=[journal.cohort.slug])).content.decode()
    assert "1 section changed since the last review" in queue


def test_saved_replies_are_kept_and_inserted(client, learner, mentor, journal):
    submit(client, learner, journal)
    client.force_login(mentor)
    client.post(
        reverse("saved_replies", args=[journal.cohort.slug]),
        {"title": "Example", "body": "Add a concrete example of the bug and the fix."},
    )
    reply = SavedReply.objects.get()
    html = client.get(url("page_review", journal)).content.decode()
    assert 'data-insert="Add a concrete example of the bug and the fix."' in html
    section = journal.sections.first()
    client.post(
        url("section_mark", journal, section.pk),
        {"mark": "needs_work", "comment": "Almost.", "saved_reply": reply.pk},
    )
    assert Comment.objects.get().body == "Almost.\n\nAdd a concrete example of the bug and the fix."


def test_a_mentor_cannot_use_another_mentors_saved_reply(
    client, learner, mentor, organizer, journal
):
    reply = SavedReply.objects.create(
        cohort=journal.cohort, owner=organizer, title="x", body="secret"
    )
    submit(client, learner, journal)
    client.force_login(mentor)
    client.post(
        url("section_mark", journal, journal.sections.first().pk),
        {"mark": "good", "saved_reply": reply.pk},
    )
    assert not Comment.objects.exists()


def test_the_review_email_reaches_the_author(
    client, learner, mentor, journal, django_capture_on_commit_callbacks
):
    submit(client, learner, journal)
    client.force_login(mentor)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("page_review", journal), {"verdict": "approved", "summary": "Great."})
    assert [m.to for m in mail.outbox] == [["lena@example.com"]]
    message = mail.outbox[0]
    assert "Maya Mentor approved “My journey”" in message.subject
    assert "/notifications/unsubscribe/" in message.body
    assert message.alternatives[0][1] == "text/html"


def test_the_queue_pager_names_its_directions_by_waiting_time(client, mentor, learner, cohort):
    from portfolio.views.reviews import QUEUE_PAGE_SIZE

    for n in range(QUEUE_PAGE_SIZE + 1):
        make_page(learner, cohort, title=f"Waiting {n}", status="in_review")
    client.force_login(mentor)
    first = client.get(reverse("review_queue", args=[cohort.slug])).content.decode()
    second = client.get(reverse("review_queue", args=[cohort.slug]), {"page": 2}).content.decode()
    # Oldest first: the next page waited less, the previous one longer.
    assert 'rel="next">Waiting less long</a>' in first and "Newer" not in first
    assert 'rel="prev">Waiting longer</a>' in second and "Older" not in second


@pytest.mark.parametrize("waiting", [1, 12])
def test_claiming_costs_the_same_however_long_the_queue(
    client, learner, mentor, cohort, waiting, django_assert_max_num_queries
):
    from portfolio.models import Claim

    pages = [make_page(learner, cohort, title=f"Week {n}") for n in range(waiting)]
    Page.objects.filter(pk__in=[p.pk for p in pages]).update(status="in_review")
    client.force_login(mentor)
    # Session, user, cohort, role, the page, its claim; update_or_create's savepoints,
    # lookup and insert (so two mentors claiming at once cannot both hold it).
    with django_assert_max_num_queries(11):
        response = client.post(reverse("review_claim", args=[cohort.slug, pages[-1].pk]))
    assert response.status_code == 302
    assert Claim.objects.get(page=pages[-1]).mentor == mentor
