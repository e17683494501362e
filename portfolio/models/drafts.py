"""Drafts: the text of a section's open editor, kept while its author types, so a
closed tab, a dropped network or an expired session loses nothing.

A draft is not a revision: nobody but its author sees it, and saving or cancelling
the edit deletes it. There is at most one per (person, section), holding the section
version the editing started from, so resuming a draft of a section that changed since
goes through the "both versions" view instead of overwriting.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from portfolio.models.journal import Page, Section

# Drafts nobody came back to are removed after this long (manage.py purge_drafts).
DRAFT_DAYS = 30


class DraftQuerySet(models.QuerySet["Draft"]):
    def expired(self, *, now: datetime | None = None) -> DraftQuerySet:
        return self.filter(updated_at__lt=(now or timezone.now()) - timedelta(days=DRAFT_DAYS))


class Draft(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="drafts"
    )
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="drafts")
    # The section's page, kept beside it so a page's drafts are one indexed lookup.
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="drafts")
    heading = models.TextField(blank=True, default="")
    body = models.TextField(blank=True, default="")
    # The section's version when the editing began.
    base_version = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = DraftQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "section"], name="one_draft_per_section"),
        ]
        indexes = [
            models.Index(fields=["user", "page"], name="draft_user_page"),
            models.Index(fields=["updated_at"], name="draft_updated"),
        ]

    def __str__(self) -> str:
        return f"Draft of section {self.section_id} by user {self.user_id}"

    def is_stale(self, section: Section) -> bool:
        """The section was saved since this draft's editing began."""
        return section.version != self.base_version

    @classmethod
    def keep(
        cls, *, user_id: int, section: Section, heading: str, body: str, base_version: int
    ) -> Draft:
        """Store the draft: one statement (an insert that updates the person's earlier
        draft of the section in place), on PostgreSQL and SQLite alike. The base
        version is the one the sending editor was opened on."""
        now = timezone.now()
        draft = cls(
            user_id=user_id,
            section=section,
            page_id=section.page_id,
            heading=heading,
            body=body,
            base_version=base_version,
            created_at=now,
            updated_at=now,
        )
        Draft.objects.bulk_create(
            [draft],
            update_conflicts=True,
            unique_fields=["user", "section"],
            update_fields=["heading", "body", "base_version", "updated_at"],
        )
        return draft
