from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.management import call_command
from django.urls import reverse

from portfolio.models import Comment, EmailPreference, Notification
from portfolio.notifications import notify, send_digests, unsubscribe_token

pytestmark = pytest.mark.django_db


def url(name, page, *args):
    return reverse(name, args=[page.author.username, page.slug, *args])


def kinds(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_comments_replies_and_mentions_notify_the_right_people(
    client, learner, mentor, organizer, journal
):
    section = journal.sections.first()
    client.force_login(mentor)
    client.post(url("comment_create", journal), {"body": "Look @otto", "section": section.pk})
    assert kinds(learner) == ["comment"]
    assert kinds(organizer) == ["mention"]
    root = Comment.objects.get()
    client.force_login(learner)
    client.post(url("comment_create", journal), {"body": "Done", "parent": root.pk})
    assert kinds(mentor) == ["reply"]
    assert kinds(learner) == ["comment"]  # never about your own action
    client.post(url("comment_address", journal, root.pk))
    client.force_login(organizer)
    client.post(url("comment_resolve", journal, root.pk), {"action": "resolve"})
    assert sorted(kinds(mentor)) == ["addressed", "reply", "resolved"]


def test_the_bell_shows_the_unread_count(client, learner):
    for n in range(3):
        Notification.objects.create(recipient=learner, kind="comment", verb=f"did {n}", url="/")
    client.force_login(learner)
    html = client.get(reverse("home")).content.decode()
    assert 'aria-label="Notifications: 3 unread"' in html


def test_the_list_is_newest_first_and_paginated(client, learner, django_assert_max_num_queries):
    for n in range(35):
        Notification.objects.create(recipient=learner, kind="comment", verb=f"note {n:02}", url="/")
    client.force_login(learner)
    with django_assert_max_num_queries(6):
        html = client.get(reverse("notification_list")).content.decode()
    assert html.index("note 34") < html.index("note 33")
    assert "note 04" not in html and "Page 1 of 2" in html


@pytest.mark.parametrize("count", [2, 30])
def test_the_list_query_count_is_fixed(
    client, learner, mentor, count, django_assert_max_num_queries
):
    for n in range(count):
        Notification.objects.create(
            recipient=learner, actor=mentor, kind="comment", verb=f"said thing {n}.", url="/"
        )
    client.force_login(learner)
    # Session, user, unread count, one count and one page (with actors) of rows.
    with django_assert_max_num_queries(5):
        response = client.get(reverse("notification_list"))
    assert response.status_code == 200
    html = response.content.decode()
    from portfolio.views.notifications import PAGE_SIZE

    shown = re.findall(r"said thing (\d+)\.", html)
    # Newest first, one page of them.
    assert shown == [str(n) for n in range(count - 1, count - 1 - min(count, PAGE_SIZE), -1)]


def test_opening_marks_read_and_goes_to_the_target(client, learner):
    note = Notification.objects.create(recipient=learner, kind="comment", verb="x", url="/cohorts/")
    client.force_login(learner)
    response = client.post(reverse("notification_open", args=[note.pk]))
    assert response["Location"] == "/cohorts/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_an_offsite_target_is_never_followed(client, learner):
    note = Notification.objects.create(
        recipient=learner, kind="comment", verb="x", url="https://evil.example/"
    )
    client.force_login(learner)
    assert (
        client.post(reverse("notification_open", args=[note.pk]))["Location"] == "/notifications/"
    )


def test_mark_all_read(client, learner):
    for _ in range(3):
        Notification.objects.create(recipient=learner, kind="comment", verb="x", url="/")
    client.force_login(learner)
    client.post(reverse("notification_read_all"))
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_someone_elses_notification_is_not_found(client, learner, peer):
    note = Notification.objects.create(recipient=peer, kind="comment", verb="x", url="/")
    client.force_login(learner)
    assert client.post(reverse("notification_open", args=[note.pk])).status_code == 404


def test_emails_go_right_away_by_default_after_commit(
    learner, mentor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(
            recipients=[learner], actor=mentor, kind="comment", verb="commented", page=None, url="/"
        )
    assert mail.outbox == []  # nothing before the transaction commits
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    assert Notification.objects.get().emailed_at is not None


def test_plain_text_emails_are_not_html_escaped_and_html_ones_are(
    learner, mentor, django_capture_on_commit_callbacks
):
    mentor.display_name = "Maya <Mentor> & Co"
    mentor.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            recipients=[learner], actor=mentor, kind="comment", verb='said "hi" & left',
            page=None, url="/",
        )  # fmt: skip
    message = mail.outbox[0]
    assert 'Maya <Mentor> & Co said "hi" & left.' in message.body
    html = message.alternatives[0][0]
    assert "Maya &lt;Mentor&gt; &amp; Co" in html and "<Mentor>" not in html


def test_a_failing_mail_server_breaks_nothing(
    learner, mentor, django_capture_on_commit_callbacks, monkeypatch
):
    def explode(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", explode)
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            recipients=[learner], actor=mentor, kind="comment", verb="commented", page=None, url="/"
        )
    note = Notification.objects.get()
    assert note.emailed_at is None  # left for a later try, and the request went through


def test_digest_and_off_preferences(learner, peer, mentor, django_capture_on_commit_callbacks):
    EmailPreference.objects.create(user=learner, kind="comment", delivery="digest")
    EmailPreference.objects.create(user=peer, kind="comment", delivery="off")
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            notify(
                recipients=[learner, peer],
                actor=mentor,
                kind="comment",
                verb=f"c{n}",
                page=None,
                url="/",
            )
    assert mail.outbox == []
    assert send_digests() == (1, 3)
    assert len(mail.outbox) == 1 and "3 updates" in mail.outbox[0].subject
    assert "c0" in mail.outbox[0].body and "c2" in mail.outbox[0].body
    assert send_digests() == (0, 0)  # idempotent
    call_command("send_digests")
    assert len(mail.outbox) == 1


def test_preferences_are_chosen_per_kind(client, learner):
    client.force_login(learner)
    data = dict.fromkeys(
        ["submitted", "reviewed", "reply", "mention", "resolved", "addressed"], "immediate"
    )
    response = client.post(reverse("notification_settings"), {**data, "comment": "digest"})
    assert response.status_code == 302
    assert EmailPreference.objects.get(user=learner, kind="comment").delivery == "digest"
    bad = client.post(reverse("notification_settings"), {**data, "comment": "hourly"})
    assert bad.status_code == 422


def test_unsubscribe_by_link_turns_every_email_off(client, learner):
    token = unsubscribe_token(learner)
    page = client.get(reverse("notifications_unsubscribe", args=[token]))
    assert "Stop Nexus emails?" in page.content.decode()
    assert not EmailPreference.objects.exists()  # a GET changes nothing
    client.post(reverse("notifications_unsubscribe", args=[token]))
    assert set(EmailPreference.objects.values_list("delivery", flat=True)) == {"off"}
    assert client.get(reverse("notifications_unsubscribe", args=["forged"])).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_with_the_database_queue_the_worker_sends_the_email(learner, mentor, settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    mail.outbox.clear()
    notify(recipients=[learner], actor=mentor, kind="comment", verb="commented", page=None, url="/")
    assert mail.outbox == []  # queued, not sent by the request
    assert DBTaskResult.objects.count() == 1
    call_command("db_worker", "--batch", "--interval", "0")
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_two_digest_runs_at_once_send_every_notification_exactly_once(mentor):
    """Two schedulers firing together while notifications keep arriving: every row
    marked emailed is in exactly one sent digest, and none is left behind."""
    import re
    import threading

    from django.db import connection

    from conftest import make_user

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite runs one writer at a time")
    people = [make_user(f"digest{n}") for n in range(3)]
    for person in people:
        EmailPreference.objects.create(user=person, kind="comment", delivery="digest")
    made = iter(range(10_000))

    def produce(count: int) -> None:
        for _ in range(count):
            number = next(made)
            notify(
                recipients=[people[number % len(people)]],
                actor=mentor,
                kind="comment",
                verb=f"event-{number}-end",
                page=None,
                url="/",
            )

    produce(40)
    start = threading.Barrier(3)
    failures: list[BaseException] = []

    def run(work) -> None:
        try:
            start.wait()
            for _ in range(40):
                work()
        except BaseException as error:  # reported below, with the thread's traceback lost
            failures.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(send_digests,)),
        threading.Thread(target=run, args=(send_digests,)),
        threading.Thread(target=run, args=(lambda: produce(2),)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    send_digests()  # what arrived after the last runs
    sent = [int(n) for message in mail.outbox for n in re.findall(r"event-(\d+)-end", message.body)]
    assert len(sent) == len(set(sent)), "a notification went out twice"
    assert sorted(sent) == sorted(
        int(re.search(r"event-(\d+)-end", verb).group(1))
        for verb in Notification.objects.values_list("verb", flat=True)
    ), "a notification was marked emailed and never sent"
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_a_digest_that_fails_to_send_marks_nothing_and_the_others_go(
    learner, peer, mentor, monkeypatch, django_capture_on_commit_callbacks
):
    for person in (learner, peer):
        EmailPreference.objects.create(user=person, kind="comment", delivery="digest")
    with django_capture_on_commit_callbacks(execute=True):
        for person in (learner, peer):
            notify(recipients=[person], actor=mentor, kind="comment", verb="hi", page=None, url="/")
    real_send = EmailMultiAlternatives.send

    def send(message, *args, **kwargs):
        if message.to == [learner.email]:
            raise OSError("mailbox full")
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", send)
    assert send_digests() == (1, 1)
    assert [message.to for message in mail.outbox] == [[peer.email]]
    assert Notification.objects.get(recipient=learner).emailed_at is None


@pytest.mark.parametrize("count", [2, 30])
def test_reading_notifications_costs_the_same_however_many(
    client, learner, mentor, count, django_assert_max_num_queries
):
    notes = [
        Notification.objects.create(
            recipient=learner, actor=mentor, kind="comment", verb="x", url="/"
        )
        for _n in range(count)
    ]
    client.force_login(learner)
    # The user (the session is in the cache), the notification, marking it read.
    with django_assert_max_num_queries(3):
        response = client.post(reverse("notification_open", args=[notes[0].pk]))
    assert response.status_code == 302
    # The user and one UPDATE for all of them.
    with django_assert_max_num_queries(2):
        response = client.post(reverse("notification_read_all"))
    assert response.status_code == 302
    assert not learner.notifications.filter(read_at__isnull=True).exists()
