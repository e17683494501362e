"""Keep the public page cache true: any change to what an author's public responses
show bumps that author's generation (see portfolio.web.pagecache). Section changes need no
receiver: every one of them goes through Page.touch(), which bumps.

Also keep the mentor dashboard's cached cohort activity true (portfolio.dashboards)."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from portfolio.dashboards import forget_activity
from portfolio.models import Cohort, Page, Review, Revision, User
from portfolio.web.pagecache import bump


def _author_of(page_id: int) -> str:
    return Page.objects.filter(pk=page_id).values_list("author__username", flat=True).first() or ""


@receiver([post_save, post_delete], sender=Page)
def page_changed(sender, instance: Page, **kwargs) -> None:
    author = instance._state.fields_cache.get("author")
    if author is None:
        author = User.objects.filter(pk=instance.author_id).first()
    bump(author.username if author else "")


@receiver(m2m_changed, sender=Page.tags.through)
def tags_changed(sender, instance, action: str, **kwargs) -> None:
    if action.startswith("post_") and isinstance(instance, Page):
        bump(_author_of(instance.pk))


@receiver(post_save, sender=Review)
def review_saved(sender, instance: Review, **kwargs) -> None:
    bump(_author_of(instance.page_id))


@receiver(post_save, sender=User)
def user_saved(sender, instance: User, **kwargs) -> None:
    bump(instance.username)


@receiver(post_save, sender=Cohort)
def cohort_saved(sender, instance: Cohort, **kwargs) -> None:
    authors = (
        Page.objects.filter(cohort=instance).values_list("author__username", flat=True).distinct()
    )
    bump(*authors)


@receiver(post_save, sender=Page)
def page_visibility_saved(sender, instance: Page, created: bool, update_fields, **kwargs) -> None:
    # A page turning private, or back, takes its whole history out of the cohort's
    # activity, or puts it back.
    if not created and (update_fields is None or "visibility" in update_fields):
        forget_activity(instance.cohort_id)


@receiver(post_delete, sender=Page)
def page_deleted(sender, instance: Page, **kwargs) -> None:
    forget_activity(instance.cohort_id)


@receiver(post_save, sender=Revision)
def revision_saved(sender, instance: Revision, created: bool, **kwargs) -> None:
    # History is written as it happens, and today's activity is counted live, so this
    # matters only for a save that commits after midnight, or one dated in the past.
    if created:
        day = timezone.localdate(instance.created_at)
        transaction.on_commit(lambda: _forget_past_day(instance.page_id, day))


def _forget_past_day(page_id: int, day: date) -> None:
    if day < timezone.localdate():
        cohort = Page.objects.filter(pk=page_id).values_list("cohort_id", flat=True).first()
        if cohort is not None:
            forget_activity(cohort)
