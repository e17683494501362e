"""In-app notifications, and the emails that follow them.

A notification row is written in the same transaction as the event it reports. Email
goes out only after that transaction commits, as a task (Django's Tasks framework), so
a slow or failing mail server never holds up or breaks a request.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from portfolio.models import (
    Delivery,
    EmailPreference,
    Notification,
    Page,
    User,
)

logger = logging.getLogger("nexus.notifications")
UNSUBSCRIBE_SALT = "nexus.unsubscribe"


def notify(
    *,
    recipients: Iterable[User | None],
    actor: User | None,
    kind: str,
    verb: str,
    page: Page | None,
    url: str,
) -> list[Notification]:
    """Record a notification for each recipient (never the actor themselves)."""
    # Verbs quote titles and headings of up to 200 characters each: shorten to fit the
    # column (PostgreSQL refuses an over-long value; SQLite would keep it silently).
    limit = Notification._meta.get_field("verb").max_length
    if limit is not None:
        verb = Truncator(verb).chars(limit)
    seen: set[int] = set()
    rows = []
    for user in recipients:
        if user is None or user.pk in seen or (actor is not None and user.pk == actor.pk):
            continue
        seen.add(user.pk)
        rows.append(
            Notification(recipient=user, actor=actor, kind=kind, verb=verb, page=page, url=url)
        )
    created = Notification.objects.bulk_create(rows)
    ids = [n.pk for n in created]
    if ids:
        transaction.on_commit(lambda: send_notification_emails.enqueue(ids))
    return created


def delivery_for(user: User, kind: str) -> str:
    chosen = EmailPreference.objects.filter(user=user, kind=kind).values_list("delivery", flat=True)
    return chosen.first() or Delivery.IMMEDIATE


def unsubscribe_token(user: User) -> str:
    return signing.dumps(user.pk, salt=UNSUBSCRIBE_SALT)


def unsubscribe_user(token: str) -> User | None:
    try:
        pk = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=60 * 60 * 24 * 365)
    except signing.BadSignature:
        return None
    return User.objects.filter(pk=pk).first()


def _send(user: User, subject: str, template: str, context: dict[str, object]) -> None:
    context = {
        **context,
        "user": user,
        "site_url": settings.SITE_URL,
        "unsubscribe_url": settings.SITE_URL
        + reverse("notifications_unsubscribe", args=[unsubscribe_token(user)]),
        "settings_url": settings.SITE_URL + reverse("notification_settings"),
    }
    message = EmailMultiAlternatives(
        subject=f"[Nexus] {subject}",
        body=render_to_string(f"email/{template}.txt", context),
        to=[user.email],
        headers={"List-Unsubscribe": f"<{context['unsubscribe_url']}>"},
    )
    message.attach_alternative(render_to_string(f"email/{template}.html", context), "text/html")
    message.send()


@task
def send_notification_emails(notification_ids: list[int]) -> int:
    """Email the notifications whose recipients want them right away."""
    sent = 0
    for notification in Notification.objects.filter(
        pk__in=notification_ids, emailed_at__isnull=True
    ).select_related("recipient", "actor"):
        user = notification.recipient
        if delivery_for(user, notification.kind) != Delivery.IMMEDIATE:
            continue
        # Claim the row first: a task that runs twice sends once.
        claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
        if not claimed:
            continue
        try:
            _send(
                user,
                f"{notification.actor or 'Someone'} {notification.verb}",
                "notification",
                {"notification": notification},
            )
            sent += 1
        except Exception:
            Notification.objects.filter(pk=notification.pk).update(emailed_at=None)
            logger.exception("could not email notification %s", notification.pk)
    return sent


def send_digests() -> tuple[int, int]:
    """Send each user who chose a daily digest the notifications not emailed yet.

    Per user, one transaction locks the rows still unsent (skipping rows another run
    holds), marks them, and sends exactly those: a row is marked emailed only in the
    transaction that sends it, and a failed send rolls the marks back. So two runs at
    once never mark a row without sending it, and running this twice sends nothing
    twice. Returns (users emailed, notifications included)."""
    digest_kinds: dict[int, set[str]] = {}
    for user_id, kind in EmailPreference.objects.filter(delivery=Delivery.DIGEST).values_list(
        "user_id", "kind"
    ):
        digest_kinds.setdefault(user_id, set()).add(kind)
    users = included = 0
    for user in User.objects.filter(pk__in=digest_kinds):
        try:
            sent = _send_digest(user, digest_kinds[user.pk])
        except Exception:
            # Nothing of this user's is marked; the next run tries again.
            logger.exception("could not send the digest of user %s", user.pk)
            continue
        if sent:
            users += 1
            included += sent
    return users, included


def _send_digest(user: User, kinds: set[str]) -> int:
    with transaction.atomic():
        pending = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(recipient=user, kind__in=kinds, emailed_at__isnull=True)
            .select_related("actor")
            .order_by("created_at", "pk")
        )
        if not pending:
            return 0
        Notification.objects.filter(pk__in=[n.pk for n in pending]).update(
            emailed_at=timezone.now()
        )
        _send(user, f"Your daily digest: {len(pending)} updates", "digest", {"items": pending})
    return len(pending)
