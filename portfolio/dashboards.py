"""Figures for the mentor's cohort dashboard and the learner's home dashboard."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Max, Min, OuterRef, Q, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

from portfolio.models import (
    Cohort,
    Comment,
    Page,
    Review,
    Revision,
    Role,
    Status,
    User,
    Visibility,
)

WEEKS = 12
SORTS = {
    "name": ("display_name", "username"),
    "pages": ("-page_count", "username"),
    "sections": ("-section_count", "username"),
    "activity": ("-last_activity", "username"),
    "waiting": ("oldest_wait", "username"),
    "approved": ("-approved_count", "username"),
}


@dataclass
class Heat:
    """An activity grid: cells of (day, count, level 0–4)."""

    weeks: list[list[tuple[date, int, int]]]
    total: int

    @property
    def cells(self) -> list[tuple[int, int, int, str]]:
        """(column, row, level, label) for every day."""
        return [
            (w, d, level, f"{day:%a %d %b}: {count}")
            for w, week in enumerate(self.weeks)
            for d, (day, count, level) in enumerate(week)
        ]

    @property
    def week_cells(self) -> list[tuple[int, int, str]]:
        """(column, level, label) for every week."""
        totals = [sum(count for _, count, _ in week) for week in self.weeks]
        top = max(totals, default=0)
        return [
            (w, _level(total, top), f"week of {self.weeks[w][0][0]:%d %b}: {total}")
            for w, total in enumerate(totals)
        ]

    @property
    def description(self) -> str:
        return ", ".join(
            f"week of {week[0][0]:%d %b}: {sum(c for _, c, _ in week)}" for week in self.weeks
        )


def _level(count: int, top: int) -> int:
    if count == 0 or top == 0:
        return 0
    return min(4, 1 + (count * 4 - 1) // top)


def _grid(counts: dict[date, int], start: date) -> Heat:
    top = max(counts.values(), default=0)
    weeks = []
    for week in range(WEEKS):
        days = [start + timedelta(days=week * 7 + d) for d in range(7)]
        weeks.append([(day, counts.get(day, 0), _level(counts.get(day, 0), top)) for day in days])
    return Heat(weeks=weeks, total=sum(counts.values()))


def cohort_dashboard(cohort: Cohort, sort: str) -> dict:
    today = timezone.localdate()
    start = today - timedelta(days=today.weekday() + 7 * (WEEKS - 1))
    # Mentors see every learner page except private ones (as visible_to would), so the
    # figures never count what the page view would hide.
    in_cohort = Q(pages__cohort=cohort) & ~Q(pages__visibility=Visibility.PRIVATE)
    learners = list(
        User.objects.filter(memberships__cohort=cohort, memberships__role=Role.LEARNER)
        .annotate(
            page_count=Count("pages", filter=in_cohort, distinct=True),
            section_count=Count("pages__sections", filter=in_cohort, distinct=True),
            in_review=Count(
                "pages", filter=in_cohort & Q(pages__status=Status.IN_REVIEW), distinct=True
            ),
            approved_count=Count(
                "pages", filter=in_cohort & Q(pages__status=Status.APPROVED), distinct=True
            ),
            oldest_wait=Min(
                "pages__submitted_at", filter=in_cohort & Q(pages__status=Status.IN_REVIEW)
            ),
            last_activity=Max("pages__updated_at", filter=in_cohort),
        )
        .order_by(*SORTS.get(sort, SORTS["name"]))
    )
    daily = (
        Revision.objects.filter(page__cohort=cohort, created_at__date__gte=start)
        .exclude(page__visibility=Visibility.PRIVATE)
        .annotate(day=TruncDate("created_at"))
        .values("author_id", "day")
        .annotate(n=Count("id"))
    )
    per_author: dict[int, dict[date, int]] = {}
    cohort_counts: dict[date, int] = {}
    for row in daily:
        per_author.setdefault(row["author_id"], {})[row["day"]] = row["n"]
        cohort_counts[row["day"]] = cohort_counts.get(row["day"], 0) + row["n"]
    now = timezone.now()
    for learner in learners:
        learner.heat = _grid(per_author.get(learner.pk, {}), start)
        learner.waited = now - learner.oldest_wait if learner.oldest_wait else None
    oldest = Page.objects.filter(cohort=cohort, status=Status.IN_REVIEW).aggregate(
        oldest=Min("submitted_at")
    )["oldest"]
    week_waits = [
        review.waited.total_seconds()
        for review in Review.objects.filter(
            page__cohort=cohort, created_at__gte=now - timedelta(days=7), waited__isnull=False
        ).only("waited")
    ]
    return {
        "learners": learners,
        "columns": [
            ("name", "Learner"),
            ("pages", "Pages"),
            ("sections", "Sections"),
            ("activity", "Last activity"),
            ("waiting", "In review"),
            ("approved", "Approved"),
        ],
        "sort": sort if sort in SORTS else "name",
        "cohort_heat": _grid(cohort_counts, start),
        "oldest_wait": now - oldest if oldest else None,
        "median_wait": timedelta(seconds=statistics.median(week_waits)) if week_waits else None,
        "reviews_this_week": len(week_waits),
        "heat_start": start,
    }


def learner_dashboard(user: User) -> dict:
    """What is waiting on a learner: threads to answer, reviews, next steps."""
    last_reply_author = Subquery(
        Comment.objects.filter(parent=OuterRef("pk"), deleted_at__isnull=True)
        .order_by("-created_at", "-pk")
        .values("author_id")[:1]
    )
    waiting = list(
        Comment.objects.filter(
            page__author=user,
            parent__isnull=True,
            resolved_at__isnull=True,
            deleted_at__isnull=True,
        )
        .annotate(last_author=last_reply_author)
        .filter(
            Q(last_author__isnull=True, addressed_at__isnull=True) & ~Q(author=user)
            | Q(last_author__isnull=False) & ~Q(last_author=user.pk)
        )
        .select_related("page__author", "author")
        .order_by("-created_at")[:10]
    )
    reviews = list(Review.objects.filter(page__author=user).select_related("page", "reviewer")[:5])
    pages = list(
        Page.objects.filter(author=user)
        .select_related("cohort", "author")
        .annotate(
            section_count=Count("sections"),
            empty_sections=Count("sections", filter=Q(sections__body="")),
        )
        .order_by("-updated_at")[:20]
    )
    return {
        "pages": pages,
        "waiting_threads": waiting,
        "reviews_received": reviews,
        "next_steps": _next_steps(pages, waiting),
    }


def _next_steps(pages: list[Page], waiting: list[Comment]) -> list[dict]:
    steps = []
    for page in pages:
        if page.status == Status.CHANGES_REQUESTED:
            steps.append(
                {
                    "text": f"Work on the feedback for “{page.title}”, then submit again.",
                    "page": page,
                }
            )
    if waiting:
        count = len(waiting)
        steps.append(
            {
                "text": f"Answer {count} thread{'s' if count != 1 else ''} on your pages.",
                "anchor": "#waiting",
            }
        )
    for page in pages:
        if page.status == Status.DRAFT and page.empty_sections:
            steps.append(
                {
                    "text": f"Write the {page.empty_sections} empty section"
                    f"{'s' if page.empty_sections != 1 else ''} of “{page.title}”.",
                    "page": page,
                }
            )
        elif page.status == Status.DRAFT and page.section_count:
            steps.append({"text": f"Submit “{page.title}” for review.", "page": page})
        elif page.status == Status.APPROVED and page.visibility != Visibility.PUBLIC:
            steps.append(
                {"text": f"Make “{page.title}” public to add it to your portfolio.", "page": page}
            )
    return steps[:5]
