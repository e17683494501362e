"""Keep the public page cache true: any change to what an author's public responses
show bumps that author's generation (see portfolio.pagecache). Section changes need no
receiver: every one of them goes through Page.touch(), which bumps."""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from portfolio.models import Cohort, Page, Review, User
from portfolio.pagecache import bump


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
