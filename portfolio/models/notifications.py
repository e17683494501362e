"""Notifications: what happened, to whom, and how each person wants to hear of it."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from portfolio.models.accounts import User
from portfolio.models.journal import Page


class NotificationKind(models.TextChoices):
    SUBMITTED = "submitted", "A page is submitted for review"
    REVIEWED = "reviewed", "Your page is reviewed"
    COMMENT = "comment", "Someone comments on your page"
    REPLY = "reply", "Someone replies in your thread"
    MENTION = "mention", "Someone mentions you"
    RESOLVED = "resolved", "Your thread is resolved"
    ADDRESSED = "addressed", "Your feedback is addressed"


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", "Right away"
    DIGEST = "digest", "Daily digest"
    OFF = "off", "Off"


class Notification(models.Model):
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    kind = models.CharField(max_length=12, choices=NotificationKind.choices)
    verb = models.CharField(max_length=200)
    page = models.ForeignKey(Page, on_delete=models.CASCADE, null=True, related_name="+")
    url = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.actor} {self.verb}"


class EmailPreference(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="email_preferences")
    kind = models.CharField(max_length=12, choices=NotificationKind.choices)
    delivery = models.CharField(max_length=10, choices=Delivery.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} {self.delivery}"
