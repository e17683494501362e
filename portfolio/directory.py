"""The cohort's journal directory: the pages a viewer may see, filtered and sorted."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, TypedDict, cast

from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, QuerySet
from django.http import QueryDict

from portfolio.forms import DirectoryForm
from portfolio.models import Cohort, Page, Section, Tag, User

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

PAGE_SIZE = 20
SORTS = {"updated": ("-updated_at", "pk"), "title": ("title", "pk")}


class SectionCount(TypedDict):
    section_count: int


def directory(cohort: Cohort, viewer: User, params: QueryDict) -> dict[str, object]:
    form = DirectoryForm(params)
    form.is_valid()
    data = {key: value for key, value in form.cleaned_data.items() if value}
    pages: QuerySet[Page] = (
        Page.objects.visible_to(viewer)
        .filter(cohort=cohort)
        .select_related("author")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
    )
    if data.get("tag"):
        pages = pages.filter(tags__slug=data["tag"])
    if data.get("status"):
        pages = pages.filter(status=data["status"])
    if data.get("learner"):
        pages = pages.filter(author__username=data["learner"])
    pages = pages.order_by(*SORTS[data.get("sort") or "updated"])
    listing = Paginator(pages, PAGE_SIZE).get_page(params.get("page"))
    # Count sections for the shown rows only: an annotation would aggregate every match.
    counts = dict(
        Section.objects.filter(page_id__in=[page.pk for page in listing])
        .values("page_id")
        .annotate(n=Count("id"))
        .values_list("page_id", "n")
    )
    # Attached to the rows as an annotation would be.
    for page in cast("Iterable[WithAnnotations[Page, SectionCount]]", listing):
        page.section_count = counts.get(page.pk, 0)
    # The tags of the pages this viewer may see: a tag only on pages hidden from them
    # (someone's private page) is not offered, so its name does not travel either.
    visible = Page.objects.visible_to(viewer).filter(cohort=cohort)
    tags = Tag.objects.filter(pages__in=visible).distinct().order_by("name").values("slug", "name")
    authors = (
        User.objects.filter(memberships__cohort=cohort)
        .order_by("display_name", "username")
        .values("username", "display_name")
    )
    query = params.copy()
    query.pop("page", None)
    return {
        "directory_form": form,
        "filters": data,
        "listing": listing,
        "tag_options": list(tags),
        "author_options": list(authors),
        "filter_query": query.urlencode(),
    }
