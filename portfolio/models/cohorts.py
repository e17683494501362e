"""Cohorts, who is in them with which role, and the invite links that let people in."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from portfolio.models.accounts import User


class Role(models.TextChoices):
    LEARNER = "learner", "Learner"
    MENTOR = "mentor", "Mentor"
    ORGANIZER = "organizer", "Organizer"


# /cohorts/new/ is a page of its own, so no cohort may be called "new".
RESERVED_COHORT_SLUGS = frozenset({"new"})


class Cohort(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(
        max_length=60,
        unique=True,
        help_text="Its address: /cohorts/your-cohort/. Lowercase letters, digits and hyphens.",
        error_messages={"unique": "Another cohort already uses this address."},
    )
    program = models.CharField(
        max_length=120, blank=True, help_text="e.g. ProDev Backend Engineering"
    )
    description = models.TextField(max_length=4000, blank=True)
    starts_on = models.DateField("starts", null=True, blank=True)
    ends_on = models.DateField("ends", null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_on__isnull=True)
                | models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="cohort_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=~models.Q(slug__in=sorted(RESERVED_COHORT_SLUGS)),
                name="cohort_slug_not_reserved",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cohort_detail", args=[self.slug])

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    def archive(self) -> None:
        self.archived_at = timezone.now()
        self.save(update_fields=["archived_at", "updated_at"])

    def restore(self) -> None:
        self.archived_at = None
        self.save(update_fields=["archived_at", "updated_at"])


class LastOrganizerError(ValidationError):
    """Raised when a change would leave a cohort without an organizer."""


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.LEARNER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["joined_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "cohort"], name="membership_once_per_cohort"),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="membership_role_valid"
            ),
        ]
        indexes = [models.Index(fields=["cohort", "role"], name="membership_cohort_role")]

    def __str__(self) -> str:
        return f"{self.user} in {self.cohort} as {self.role}"

    def _lock_organizers(self) -> None:
        """Lock the cohort's organizers, so two demotions cannot both pass the check."""
        list(
            Membership.objects.select_for_update()
            .filter(cohort_id=self.cohort_id, role=Role.ORGANIZER)
            .values_list("pk", flat=True)
        )

    def _is_last_organizer(self) -> bool:
        if self.role != Role.ORGANIZER:
            return False
        others = Membership.objects.filter(cohort_id=self.cohort_id, role=Role.ORGANIZER)
        return not others.exclude(pk=self.pk).exists()

    def change_role(self, role: str) -> None:
        with transaction.atomic():
            self._lock_organizers()
            if role != Role.ORGANIZER and self._is_last_organizer():
                raise LastOrganizerError(
                    "A cohort needs at least one organizer. Make someone else an organizer first."
                )
            self.role = role
            self.save(update_fields=["role"])

    def remove(self) -> None:
        with transaction.atomic():
            self._lock_organizers()
            if self._is_last_organizer():
                raise LastOrganizerError(
                    "The last organizer cannot leave or be removed. "
                    "Make someone else an organizer first."
                )
            self.delete()


def new_invite_token() -> str:
    return secrets.token_urlsafe(24)


class InviteState(models.TextChoices):
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"
    USED_UP = "used_up", "Used up"


class InviteUnusable(Exception):
    def __init__(self, state: str) -> None:
        super().__init__(state)
        self.state = state


class Invite(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="invites")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.LEARNER)
    token = models.CharField(max_length=64, unique=True, default=new_invite_token, editable=False)
    expires_at = models.DateTimeField()
    max_uses = models.PositiveIntegerField(default=30)
    uses = models.PositiveIntegerField(default=0)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="invites_created"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="invite_role_valid"
            ),
            models.CheckConstraint(condition=models.Q(max_uses__gte=1), name="invite_max_uses_1"),
            models.CheckConstraint(
                condition=models.Q(uses__lte=models.F("max_uses")), name="invite_uses_within_max"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} invite to {self.cohort}"

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return InviteState.REVOKED
        if self.uses >= self.max_uses:
            return InviteState.USED_UP
        if self.expires_at <= timezone.now():
            return InviteState.EXPIRED
        return InviteState.ACTIVE

    @property
    def is_active(self) -> bool:
        return self.state == InviteState.ACTIVE

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])

    def accept(self, user: User) -> tuple[Membership, bool]:
        """Join the cohort. Returns (membership, created); accepting twice is harmless."""
        with transaction.atomic():
            invite = Invite.objects.select_for_update().select_related("cohort").get(pk=self.pk)
            existing = Membership.objects.filter(user=user, cohort_id=invite.cohort_id).first()
            if existing is not None:
                return existing, False
            if invite.cohort.archived:
                raise InviteUnusable("archived")
            if invite.state != InviteState.ACTIVE:
                raise InviteUnusable(invite.state)
            membership = Membership.objects.create(
                user=user, cohort_id=invite.cohort_id, role=invite.role
            )
            Invite.objects.filter(pk=invite.pk).update(uses=models.F("uses") + 1)
        self.refresh_from_db(fields=["uses"])
        return membership, True
