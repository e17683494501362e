"""What mentors and peers say about a page: comments in threads, reviews with a
verdict, marks per section, claims on the review queue, saved replies."""

from __future__ import annotations

import re

from django.db import models
from django.utils import timezone

from portfolio.markdown import render_markdown
from portfolio.models.accounts import User
from portfolio.models.cohorts import Cohort
from portfolio.models.journal import Page, Revision, Section

MENTION = re.compile(r"(?<![\w/@.])@([A-Za-z0-9](?:[A-Za-z0-9_-]{0,28}[A-Za-z0-9])?)\b")


class Comment(models.Model):
    """A comment on a page, or on one of its sections, optionally about quoted words.

    A thread is a root comment and its replies (one level). The thread's state —
    resolved, addressed — lives on the root. A comment remembers the section revision
    it was written against, so it can tell when the text changed under it."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="comments")
    section = models.ForeignKey(
        Section, on_delete=models.SET_NULL, null=True, blank=True, related_name="comments"
    )
    # Which section's thread this is, stable across the section's delete and restore.
    section_uid = models.UUIDField(null=True, blank=True, db_index=True)
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    author = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="comments")
    body = models.TextField(max_length=5000)
    body_html = models.TextField(blank=True, editable=False)
    quote = models.CharField(max_length=500, blank=True)
    page_version = models.PositiveIntegerField()
    section_version = models.PositiveIntegerField(null=True, blank=True)
    revision = models.ForeignKey(
        Revision, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    mentions = models.ManyToManyField(User, blank=True, related_name="mentioned_in")
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    addressed_at = models.DateTimeField(null=True, blank=True)
    addressed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    addressed_revision = models.ForeignKey(
        Revision, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    # Not stored: what a thread shows with each comment, set by
    # portfolio.threads.build_threads (see there).
    is_mentor: bool
    can: dict[str, bool]
    section_gone: bool
    section_changed: bool
    diff_url: str
    quote_changed: bool
    fragment_key: str

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(parent__isnull=True) | models.Q(quote=""),
                name="comment_replies_quote_nothing",
            ),
        ]
        indexes = [models.Index(fields=["page", "created_at"], name="comment_page_created")]

    def __str__(self) -> str:
        return f"Comment by {self.author} on {self.page}"

    @property
    def is_root(self) -> bool:
        return self.parent_id is None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None

    def render(self, *, mentionable: dict[str, User]) -> list[User]:
        """Render the body; @username of a cohort member becomes a profile link.
        Returns the users mentioned."""
        mentioned: dict[int, User] = {}

        def link(match: re.Match[str]) -> str:
            user = mentionable.get(match.group(1).lower())
            if user is None:
                whole: str = match.group(0)
                return whole
            mentioned[user.pk] = user
            return f"[@{user.username}](/@{user.username}/)"

        self.body_html = render_markdown(MENTION.sub(link, self.body))
        return list(mentioned.values())

    def edit(self, body: str, *, mentionable: dict[str, User]) -> None:
        self.body = body
        users = self.render(mentionable=mentionable)
        self.edited_at = timezone.now()
        self.save(update_fields=["body", "body_html", "edited_at"])
        self.mentions.set(users)

    def soft_delete(self) -> None:
        self.deleted_at = timezone.now()
        self.body, self.body_html, self.quote = "", "", ""
        self.save(update_fields=["deleted_at", "body", "body_html", "quote"])
        self.mentions.clear()

    def resolve(self, *, by: User) -> None:
        self.resolved_at, self.resolved_by = timezone.now(), by
        self.save(update_fields=["resolved_at", "resolved_by"])

    def reopen(self) -> None:
        self.resolved_at, self.resolved_by = None, None
        self.addressed_at, self.addressed_by, self.addressed_revision = None, None, None
        self.save(
            update_fields=[
                "resolved_at",
                "resolved_by",
                "addressed_at",
                "addressed_by",
                "addressed_revision",
            ]
        )

    def mark_addressed(self, *, by: User, revision: Revision | None) -> None:
        self.addressed_at, self.addressed_by = timezone.now(), by
        self.addressed_revision = revision
        self.save(update_fields=["addressed_at", "addressed_by", "addressed_revision"])


# Reviews ------------------------------------------------------------------------------


class Verdict(models.TextChoices):
    APPROVED = "approved", "Approve"
    CHANGES_REQUESTED = "changes_requested", "Request changes"


class Review(models.Model):
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="reviews_given"
    )
    verdict = models.CharField(max_length=20, choices=Verdict.choices)
    summary = models.TextField(max_length=5000)
    # The page's content_version the verdict was about.
    page_version = models.PositiveIntegerField()
    # How long the page had waited in the queue, for the queue's health figures.
    waited = models.DurationField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(verdict__in=Verdict.values), name="review_verdict_valid"
            )
        ]
        indexes = [models.Index(fields=["page", "-created_at"], name="review_page_created")]

    def __str__(self) -> str:
        return f"{self.get_verdict_display()} on {self.page}"


class Mark(models.TextChoices):
    GOOD = "good", "Looks good"
    NEEDS_WORK = "needs_work", "Needs work"


class SectionMark(models.Model):
    """A mentor's verdict on one section. It holds while the section is unchanged: a
    mark whose section_version is not the section's current version has expired."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="marks")
    section_uid = models.UUIDField()
    section_version = models.PositiveIntegerField()
    mark = models.CharField(max_length=12, choices=Mark.choices)
    reviewer = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    comment = models.ForeignKey(
        Comment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["page", "section_uid"], name="one_mark_per_section"),
            models.CheckConstraint(condition=models.Q(mark__in=Mark.values), name="mark_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_mark_display()} ({self.section_uid})"


class Claim(models.Model):
    """A mentor saying "I'm reviewing this one", so two do not review the same page."""

    page = models.OneToOneField(Page, on_delete=models.CASCADE, related_name="claim")
    mentor = models.ForeignKey(User, on_delete=models.CASCADE, related_name="claims")
    claimed_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.mentor} reviews {self.page}"

    @property
    def active(self) -> bool:
        return self.expires_at > timezone.now()

    def held_by_someone_else(self, user: User) -> bool:
        """Whether this claim keeps `user` off the page: an active claim of another."""
        return self.active and self.mentor_id != user.pk


class SavedReply(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="saved_replies")
    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="saved_replies")
    title = models.CharField(max_length=80)
    body = models.TextField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title
