"""Figures for the mentor's cohort dashboard and the learner's home dashboard."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, TypedDict, cast

from django.core.cache import cache
from django.db.models import Aggregate, Count, F, Min, Model, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from portfolio.generations import advance_generations, current_generation
from portfolio.http import parse_id
from portfolio.models import (
    Cohort,
    Comment,
    Invite,
    Page,
    Review,
    Revision,
    Role,
    Section,
    Status,
    User,
    Visibility,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

WEEKS = 12
PAGE_SIZE = 50
ACTIVITY_TTL = 60 * 60 * 24
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

    @cached_property
    def week_totals(self) -> list[int]:
        return [sum(count for _, count, _ in week) for week in self.weeks]

    @property
    def week_cells(self) -> list[tuple[int, int, str]]:
        """(column, level, label) for every week."""
        top = max(self.week_totals, default=0)
        return [
            (w, _level(total, top), f"{_week_of(self.weeks[w][0][0])}: {total}")
            for w, total in enumerate(self.week_totals)
        ]

    @property
    def description(self) -> str:
        return ", ".join(
            f"{_week_of(week[0][0])}: {total}"
            for week, total in zip(self.weeks, self.week_totals, strict=True)
        )


@lru_cache(maxsize=256)
def _week_of(day: date) -> str:
    # Every learner row labels the same twelve weeks; strftime is the slow part.
    return f"week of {day:%d %b}"


def _level(count: int, top: int) -> int:
    if count == 0 or top == 0:
        return 0
    return min(4, 1 + (count * 4 - 1) // top)


@lru_cache(maxsize=16)
def _days(start: date) -> tuple[date, ...]:
    return tuple(start + timedelta(days=n) for n in range(WEEKS * 7))


def _grid(counts: dict[int, int], start: date) -> Heat:
    """The heat of `counts`, changes per day numbered from `start`."""
    top = max(counts.values(), default=0)
    days = [(day, counts.get(n, 0)) for n, day in enumerate(_days(start))]
    weeks = [
        [(day, count, _level(count, top) if count else 0) for day, count in days[w : w + 7]]
        for w in range(0, WEEKS * 7, 7)
    ]
    return Heat(weeks=weeks, total=sum(counts.values()))


def _figure(rows: QuerySet[Model], group: str, aggregate: Aggregate) -> Coalesce | Subquery:
    """One learner's figure as a correlated subquery over `rows` (which name the
    learner by OuterRef): PostgreSQL works it out for the shown rows only, or for every
    learner when the table is sorted by it."""
    figure = Subquery(rows.order_by().values(group).annotate(v=aggregate).values("v"))
    return Coalesce(figure, 0) if isinstance(aggregate, Count) else figure


# No cohort has this many pages of learners; a larger number would overflow the
# database's OFFSET (a 25-digit page number was a 500).
_LAST_PAGE = 100_000


def _page_number(page: str | None) -> int:
    return min(parse_id(page) or 1, _LAST_PAGE)


Activity = dict[int | None, dict[int, int]]


def activity_generation_key(cohort_id: int) -> str:
    return f"gen:cohort-activity:{cohort_id}"


def forget_activity(cohort_id: int) -> None:
    """Drop the cached past activity of a cohort once the change commits."""
    advance_generations(activity_generation_key(cohort_id))


def cohort_activity(cohort: Cohort, start: date, today: date) -> Activity:
    """Changes per author and per day (numbered from `start`) on the cohort's pages,
    private ones left out.

    Aggregating twelve weeks of a large cohort's history is the dashboard's one slow
    query. History is append-only, so the days before today only change when a page
    turns private or back, or goes, and portfolio.signals forgets them then: they are
    counted once a day and cached, and today is counted live."""

    def count(since: date) -> Activity:
        rows = (
            Revision.objects.filter(
                page__cohort=cohort,
                created_at__gte=timezone.make_aware(datetime.combine(since, time.min)),
            )
            .exclude(page__visibility=Visibility.PRIVATE)
            .annotate(day=TruncDate("created_at"))
            .values("author_id", "day")
            .annotate(n=Count("id"))
            .values_list("author_id", "day", "n")
        )
        counts: Activity = {}
        for author, day, n in rows:
            counts.setdefault(author, {})[(day - start).days] = n
        return counts

    generation = current_generation(activity_generation_key(cohort.pk))
    zone = timezone.get_current_timezone_name()
    stem = f"cohort-activity:{cohort.pk}:{zone}:{start}:{today}:{generation}"
    past: Activity | None = cache.get(stem) if generation else None
    if past is None:
        counts = count(start)
        if generation:
            first_live = (today - start).days
            past = {
                author: {n: c for n, c in days.items() if n < first_live}
                for author, days in counts.items()
            }
            cache.set(stem, past, ACTIVITY_TTL)
        return counts
    for author, days in count(today).items():
        past.setdefault(author, {}).update(days)
    return past


class LearnerRow(TypedDict):
    """A learner on the cohort dashboard: the figures annotated by the query, and the
    activity and wait that cohort_dashboard attaches."""

    page_count: int
    section_count: int
    in_review: int
    approved_count: int
    oldest_wait: datetime | None
    last_activity: datetime | None
    heat: Heat
    waited: timedelta | None


def cohort_dashboard(cohort: Cohort, sort: str, page: str | None = None) -> dict[str, object]:
    today = timezone.localdate()
    start = today - timedelta(days=today.weekday() + 7 * (WEEKS - 1))
    # Mentors see every learner page except private ones (as visible_to would), so the
    # figures never count what the page view would hide.
    pages = Page.objects.filter(cohort=cohort, author=OuterRef("pk")).exclude(
        visibility=Visibility.PRIVATE
    )
    sections = Section.objects.filter(page__cohort=cohort, page__author=OuterRef("pk")).exclude(
        page__visibility=Visibility.PRIVATE
    )
    in_review = pages.filter(status=Status.IN_REVIEW)
    learners = (
        User.objects.filter(memberships__cohort=cohort, memberships__role=Role.LEARNER)
        .only("username", "display_name")
        .annotate(
            page_count=_figure(pages, "author", Count("*")),
            section_count=_figure(sections, "page__author", Count("*")),
            in_review=_figure(in_review, "author", Count("*")),
            approved_count=_figure(pages.filter(status=Status.APPROVED), "author", Count("*")),
            oldest_wait=_figure(in_review, "author", Min("submitted_at")),
            # The newest first along the (author, updated_at) index, not an aggregate.
            last_activity=Subquery(pages.order_by("-updated_at").values("updated_at")[:1]),
        )
        .order_by(*SORTS.get(sort, SORTS["name"]))
    )
    # A page of learners and whether another follows: no count of the whole cohort.
    number = _page_number(page)
    rows = list(learners[(number - 1) * PAGE_SIZE : number * PAGE_SIZE + 1])
    # The rows gain their heat and wait below, for the template.
    listing = cast("list[WithAnnotations[User, LearnerRow]]", rows[:PAGE_SIZE])
    more = len(rows) > PAGE_SIZE
    activity = cohort_activity(cohort, start, today)
    cohort_counts: dict[int, int] = {}
    for days in activity.values():
        for n, count in days.items():
            cohort_counts[n] = cohort_counts.get(n, 0) + count
    now = timezone.now()
    for learner in listing:
        learner.heat = _grid(activity.get(learner.pk, {}), start)
        learner.waited = now - learner.oldest_wait if learner.oldest_wait else None
    oldest = Page.objects.filter(cohort=cohort, status=Status.IN_REVIEW).aggregate(
        oldest=Min("submitted_at")
    )["oldest"]
    week_waits = [
        review.waited.total_seconds()
        for review in Review.objects.filter(
            page__cohort=cohort, created_at__gte=now - timedelta(days=7), waited__isnull=False
        ).only("waited")
        if review.waited is not None  # as the query asked: for the type checker
    ]
    first = (number - 1) * PAGE_SIZE + 1
    return {
        "learners": listing,
        "page_number": number,
        "shown": f"Learners {first}–{first + len(listing) - 1}",
        "previous_page": number - 1 if number > 1 else None,
        "next_page": number + 1 if more else None,
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


class PageCounts(TypedDict):
    section_count: int
    empty_sections: int


def learner_dashboard(user: User) -> dict[str, object]:
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


def _next_steps(
    pages: Sequence[WithAnnotations[Page, PageCounts]], waiting: Sequence[Comment]
) -> list[dict[str, object]]:
    steps: list[dict[str, object]] = []
    for page in pages:
        if page.status == Status.APPROVED and page.visibility != Visibility.PUBLIC:
            steps.append(
                {
                    "text": f"“{page.title}” is approved — publish it to your portfolio?",
                    "page": page,
                    "publish": True,
                }
            )
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


# Homes for mentors and organizers ---------------------------------------------------------

# A learner with nothing written or said for this long is worth a word from an organizer.
QUIET_DAYS = 14
HOME_ROWS = 10


def mentor_home(user: User, cohorts: Sequence[Cohort]) -> dict[str, object]:
    """What waits on someone who reviews in these cohorts: pages in the queue, oldest
    first, with their wait and claim, and their threads a learner has answered."""
    if not cohorts:
        return {}
    ids = [cohort.pk for cohort in cohorts]
    queue = (
        Page.objects.visible_to(user)
        .filter(cohort_id__in=ids, status=Status.IN_REVIEW)
        .exclude(author=user)
    )
    waiting = list(
        queue.select_related("author", "cohort", "claim__mentor").order_by("submitted_at", "pk")[
            :HOME_ROWS
        ]
    )
    now = timezone.now()
    for page in waiting:
        page.waited = now - page.submitted_at if page.submitted_at else None
    last_reply = Comment.objects.filter(parent=OuterRef("pk"), deleted_at__isnull=True).order_by(
        "-created_at", "-pk"
    )
    answered = list(
        Comment.objects.filter(
            author=user,
            parent__isnull=True,
            resolved_at__isnull=True,
            deleted_at__isnull=True,
            page__cohort_id__in=ids,
        )
        .annotate(
            last_author=Subquery(last_reply.values("author_id")[:1]),
            last_at=Subquery(last_reply.values("created_at")[:1]),
        )
        .filter(last_author=F("page__author_id"))
        .select_related("page__author")
        .order_by("-last_at")[:HOME_ROWS]
    )
    return {
        "review_cohorts": cohorts,
        "review_waiting": waiting,
        "review_waiting_count": queue.count(),
        "answered_threads": answered,
    }


def organizer_home(cohorts: Sequence[Cohort]) -> list[dict[str, object]]:
    """Per cohort an organizer runs: invites still open, learners gone quiet, and how
    the review queue is doing."""
    now = timezone.now()
    since = now - timedelta(days=QUIET_DAYS)
    homes = []
    for cohort in cohorts:
        invites = [
            invite
            for invite in Invite.objects.filter(
                cohort=cohort, revoked_at__isnull=True, expires_at__gt=now
            ).order_by("expires_at")
            if invite.is_active
        ]
        wrote = Revision.objects.filter(page__cohort=cohort, author=OuterRef("pk"))
        said = Comment.objects.filter(page__cohort=cohort, author=OuterRef("pk"))
        quiet = list(
            User.objects.filter(
                memberships__cohort=cohort,
                memberships__role=Role.LEARNER,
                memberships__joined_at__lte=since,
            )
            .annotate(
                last_wrote=Subquery(wrote.order_by("-created_at").values("created_at")[:1]),
                last_said=Subquery(said.order_by("-created_at").values("created_at")[:1]),
            )
            .filter(
                Q(last_wrote__isnull=True) | Q(last_wrote__lt=since),
                Q(last_said__isnull=True) | Q(last_said__lt=since),
            )
            .order_by("display_name", "username")[:HOME_ROWS]
        )
        quiet_rows = [
            {
                "person": person,
                "last_seen": max(
                    (moment for moment in (person.last_wrote, person.last_said) if moment),
                    default=None,
                ),
            }
            for person in quiet
        ]
        in_review = Page.objects.filter(cohort=cohort, status=Status.IN_REVIEW)
        figures = in_review.aggregate(
            waiting=Count("pk"),
            unclaimed=Count("pk", filter=Q(claim__isnull=True) | Q(claim__expires_at__lte=now)),
            oldest=Min("submitted_at"),
        )
        week_waits = [
            review.waited.total_seconds()
            for review in Review.objects.filter(
                page__cohort=cohort, created_at__gte=now - timedelta(days=7), waited__isnull=False
            ).only("waited")
            if review.waited is not None
        ]
        homes.append(
            {
                "cohort": cohort,
                "invites": invites,
                "quiet_learners": quiet_rows,
                "waiting": figures["waiting"],
                "unclaimed": figures["unclaimed"],
                "oldest_wait": now - figures["oldest"] if figures["oldest"] else None,
                "median_wait": (
                    timedelta(seconds=statistics.median(week_waits)) if week_waits else None
                ),
                "reviews_this_week": len(week_waits),
            }
        )
    return homes
