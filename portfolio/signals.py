"""The one place that keeps cached copies true.

Public page cache (portfolio.web.pagecache): any change to what an author's public
responses show bumps that author's generation, after commit, once per transaction
(portfolio.generations): their pages (saved, deleted, or touched by a change to any
section), tags, reviews, their profile or account, their cohort's name. A reviewer's
name shows on the pages they reviewed, so renaming or deleting them bumps those
authors too.

Also keeps the mentor dashboard's cached cohort activity true (portfolio.dashboards)."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver
from django.utils import timezone

from portfolio.dashboards import forget_activity
from portfolio.generations import bump_authors
from portfolio.models import Cohort, Page, Review, Revision, Tag, User, page_touched


def _author_of(page_id: int) -> str:
    return Page.objects.filter(pk=page_id).values_list("author__username", flat=True).first() or ""


def _username_of(page: Page) -> str:
    author: User | None = page._state.fields_cache.get("author")
    if author is None:
        return (
            User.objects.filter(pk=page.author_id).values_list("username", flat=True).first() or ""
        )
    return author.username


@receiver([post_save, post_delete], sender=Page)
def page_changed(sender: type[Page], instance: Page, **kwargs: object) -> None:
    bump_authors(_username_of(instance))


@receiver(page_touched, sender=Page)
def page_content_changed(sender: type[Page], page: Page, **kwargs: object) -> None:
    bump_authors(_username_of(page))


@receiver(m2m_changed, sender=Page.tags.through)
def tags_changed(sender: type[Model], instance: Page | Tag, action: str, **kwargs: object) -> None:
    if action.startswith("post_") and isinstance(instance, Page):
        bump_authors(_author_of(instance.pk))


@receiver(post_save, sender=Review)
def review_saved(sender: type[Review], instance: Review, **kwargs: object) -> None:
    bump_authors(_author_of(instance.page_id))


def _reviewed_authors(user: User) -> list[str]:
    return list(
        Review.objects.filter(reviewer=user)
        .values_list("page__author__username", flat=True)
        .distinct()
    )


@receiver(post_save, sender=User)
def user_saved(
    sender: type[User],
    instance: User,
    created: bool,
    update_fields: frozenset[str] | None,
    **kwargs: object,
) -> None:
    # A new account has nothing cached yet; signing in only records the time.
    if created or (update_fields is not None and set(update_fields) <= {"last_login"}):
        return
    bump_authors(instance.username, *_reviewed_authors(instance))


@receiver(pre_delete, sender=User)
def user_deleted(sender: type[User], instance: User, **kwargs: object) -> None:
    # Before the delete: afterwards their reviews no longer name them.
    bump_authors(instance.username, *_reviewed_authors(instance))


@receiver(post_save, sender=Cohort)
def cohort_saved(sender: type[Cohort], instance: Cohort, **kwargs: object) -> None:
    authors = (
        Page.objects.filter(cohort=instance).values_list("author__username", flat=True).distinct()
    )
    bump_authors(*authors)


@receiver(post_save, sender=Page)
def page_visibility_saved(
    sender: type[Page],
    instance: Page,
    created: bool,
    update_fields: frozenset[str] | None,
    **kwargs: object,
) -> None:
    # A page turning private, or back, takes its whole history out of the cohort's
    # activity, or puts it back.
    if not created and (update_fields is None or "visibility" in update_fields):
        forget_activity(instance.cohort_id)


@receiver(post_delete, sender=Page)
def page_deleted(sender: type[Page], instance: Page, **kwargs: object) -> None:
    forget_activity(instance.cohort_id)


@receiver(post_save, sender=Revision)
def revision_saved(
    sender: type[Revision], instance: Revision, created: bool, **kwargs: object
) -> None:
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
