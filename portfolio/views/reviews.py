from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TypedDict

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from portfolio.diff import diff_text
from portfolio.forms import MarkForm, ReviewForm, SavedReplyForm, SubmitForm, first_error
from portfolio.http import AuthedHttpRequest
from portfolio.models import (
    Claim,
    Mark,
    Page,
    Review,
    Revision,
    SavedReply,
    Section,
    SectionMark,
    Status,
)
from portfolio.permissions import (
    CohortAction,
    PageAction,
    get_cohort_for,
    get_page_for,
    get_page_to_review,
    get_saved_reply_for,
    get_section_for,
    saved_replies_of,
)
from portfolio.services import comment_post, page_submit, review_submit
from portfolio.threads import build_threads

QUEUE_PAGE_SIZE = 50


# The author's side: submit and withdraw -----------------------------------------------


@login_required
@require_POST
def page_submit_view(request: AuthedHttpRequest, username: str, slug: str) -> HttpResponse:
    page = get_page_for(request.user, username, slug, PageAction.EDIT)
    form = SubmitForm(request.POST)
    form.is_valid()  # two optional checkboxes: always valid
    publish = form.cleaned_data["publish_on_approval"]
    empty = [section for section in page.sections.all() if not section.body.strip()]
    if empty and not form.cleaned_data["confirm"] and page.status != Status.IN_REVIEW:
        # A mentor's time goes to what is written: say what is still empty first.
        context = {"page": page, "empty": empty, "publish": publish}
        return render(request, "portfolio/page_submit.html", context)
    try:
        raised = page_submit(page=page, by=request.user, publish_on_approval=publish)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect(page)
    messages.success(request, "Submitted for review. Your cohort’s mentors have been told.")
    if raised:
        messages.info(
            request,
            "Your page was private, so it is now visible to you and the cohort’s mentors.",
        )
    return redirect(page)


@login_required
@require_POST
def page_withdraw_view(request: AuthedHttpRequest, username: str, slug: str) -> HttpResponse:
    page = get_page_for(request.user, username, slug, PageAction.EDIT)
    try:
        page.withdraw()
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, "Submission withdrawn. Submit again when you are ready.")
    return redirect(page)


# The queue ----------------------------------------------------------------------------


@login_required
@require_safe
def review_queue(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    cohort = get_cohort_for(request.user, slug, CohortAction.REVIEW)
    last_review = Review.objects.filter(page=OuterRef("pk")).values("created_at")[:1]
    # Correlated subqueries rather than a join and GROUP BY over every revision of every
    # waiting page: PostgreSQL works them out for the rows of the shown page only, and
    # the count of the paginator leaves them out.
    changed = (
        Revision.objects.filter(page=OuterRef("pk"), created_at__gt=OuterRef("last_reviewed_at"))
        .order_by()
        .values("page")
        .annotate(n=Count("section_uid", distinct=True))
        .values("n")
    )
    pages = (
        Page.objects.visible_to(request.user)
        .filter(cohort=cohort, status=Status.IN_REVIEW)
        .select_related("author", "claim__mentor")
        .annotate(last_reviewed_at=Subquery(last_review))
        .annotate(changed_sections=Coalesce(Subquery(changed), 0))
        .order_by("submitted_at", "pk")
    )
    listing = Paginator(pages, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    for page in listing:
        page.waited = now - (page.submitted_at or now)
        claim = getattr(page, "claim", None)
        page.active_claim = claim if claim is not None and claim.expires_at > now else None
    return render(
        request, "portfolio/review_queue.html", {"cohort": cohort, "pages": listing, "now": now}
    )


@login_required
@require_POST
def review_claim(request: AuthedHttpRequest, slug: str, pk: int) -> HttpResponse:
    cohort = get_cohort_for(request.user, slug, CohortAction.REVIEW)
    page = (
        Page.objects.visible_to(request.user)
        .filter(pk=pk, cohort=cohort, status=Status.IN_REVIEW)
        .first()
    )
    if page is None:
        raise Http404("That page is not in this cohort’s queue.")
    claim = Claim.objects.filter(page=page).select_related("mentor").first()
    now = timezone.now()
    if request.POST.get("action") == "release":
        if claim is not None and not claim.held_by_someone_else(request.user):
            claim.delete()
            messages.success(request, f"Released “{page.title}” for another mentor.")
    elif claim is not None and claim.held_by_someone_else(request.user):
        messages.error(request, f"{claim.mentor.name} is already reviewing “{page.title}”.")
    else:
        Claim.objects.update_or_create(
            page=page,
            defaults={
                "mentor": request.user,
                "claimed_at": now,
                "expires_at": now + timedelta(hours=settings.REVIEW_CLAIM_HOURS),
            },
        )
        messages.success(request, f"You are reviewing “{page.title}”.")
    return redirect("review_queue", slug=cohort.slug)


# Reviewing a page ---------------------------------------------------------------------


class ReviewContext(TypedDict):
    page: Page
    sections: list[Section]
    last_review: Review | None
    reviews: list[Review]
    saved_replies: list[SavedReply]
    form: ReviewForm
    unchanged: int
    can_comment: bool
    comments_visible: bool
    fragments: dict[str, str]


def _review_context(
    request: AuthedHttpRequest,
    page: Page,
    *,
    form: ReviewForm | None = None,
    only: Section | None = None,
) -> ReviewContext:
    """The review page's context; with `only`, for that section's fragment, only its
    mark, its diff and its threads are worked out (not every section's)."""
    found = page.sections.all()
    marks_of = page.marks.select_related("reviewer")
    revisions = Revision.objects.filter(page=page)
    if only is not None:
        found = found.filter(pk=only.pk)
        marks_of = marks_of.filter(section_uid=only.uid)
        revisions = revisions.filter(section_uid=only.uid)
    sections = list(found)
    marks = {mark.section_uid: mark for mark in marks_of}
    last = page.reviews.filter(reviewer=request.user).first() or page.reviews.first()
    before: dict[uuid.UUID, Revision] = {}
    if last is not None:
        for revision in revisions.filter(created_at__lte=last.created_at).order_by(
            "section_uid", "-created_at", "-pk"
        ):
            before.setdefault(revision.section_uid, revision)
    for section in sections:
        section.page = page
        mark = marks.get(section.uid)
        # A mark holds until the section changes.
        section.mark = mark if mark and mark.section_version == section.version else None
        previous = before.get(section.uid)
        section.previous = previous
        section.changed = (
            last is None
            or previous is None
            or ((previous.heading_source, previous.body) != (section.heading_source, section.body))
        )
        section.diff = None
        if last is not None and section.changed:
            old = previous.body if previous else ""
            section.diff = diff_text(old, section.body)
    replies = list(saved_replies_of(request.user, page.cohort))
    # The discussion so far, under each section: a mentor reviews with it in view.
    threads = build_threads(page, sections, request.user, only_these=only is not None)
    for section in sections:
        section.threads = threads.for_section(section)
    return {
        "page": page,
        "sections": sections,
        "can_comment": threads.can_comment,
        "comments_visible": threads.visible,
        "fragments": threads.fragments,
        "last_review": last,
        "reviews": list(page.reviews.select_related("reviewer")[:5]),
        "saved_replies": replies,
        "form": form or ReviewForm(),
        "unchanged": sum(1 for section in sections if not section.changed),
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def page_review(request: AuthedHttpRequest, username: str, slug: str) -> HttpResponse:
    page = get_page_to_review(request.user, username, slug)
    if request.method == "POST":
        form = ReviewForm(request.POST)
        if page.status != Status.IN_REVIEW:
            messages.error(request, "This page is not waiting for a review.")
            return redirect(page)
        if form.is_valid():
            try:
                review_submit(
                    page=page,
                    reviewer=request.user,
                    verdict=form.cleaned_data["verdict"],
                    summary=form.cleaned_data["summary"],
                )
            except ValidationError as error:
                messages.error(request, error.messages[0])
                return redirect(page)
            messages.success(request, f"Review sent to {page.author.name}.")
            return redirect("review_queue", slug=page.cohort.slug)
        context = _review_context(request, page, form=form)
        return render(request, "portfolio/page_review.html", context, status=422)
    return render(request, "portfolio/page_review.html", _review_context(request, page))


@login_required
@vary_on_headers("HX-Request")
@require_POST
def section_mark(request: AuthedHttpRequest, username: str, slug: str, pk: int) -> HttpResponse:
    page = get_page_to_review(request.user, username, slug)
    section = get_section_for(page, pk)
    form = MarkForm(request.POST)
    if not form.is_valid():
        if "mark" in form.errors:
            messages.error(request, "Mark the section “Looks good” or “Needs work”.")
        else:
            messages.error(request, first_error(next(iter(form.errors.values()))))
        status = 422
    else:
        status = 200
        text = form.cleaned_data["comment"].strip()
        if form.cleaned_data["saved_reply"]:
            # Not silently dropped when it is someone else's: the mentor meant that text
            # to go with the mark, so the whole mark is refused.
            reply = get_saved_reply_for(request.user, page.cohort, form.cleaned_data["saved_reply"])
            text = f"{text}\n\n{reply.body}".strip()
        comment = None
        if text:
            comment = comment_post(page=page, author=request.user, body=text, section=section)
        SectionMark.objects.update_or_create(
            page=page,
            section_uid=section.uid,
            defaults={
                "section_version": section.version,
                "mark": form.cleaned_data["mark"],
                "reviewer": request.user,
                "comment": comment,
            },
        )
        messages.success(request, f"“{section.label}”: {Mark(form.cleaned_data['mark']).label}.")
    # A refused mark gives the mentor's comment back in its box.
    kept = form if status == 422 else None
    if not request.htmx:
        if status == 422:
            context = {
                **_review_context(request, page),
                "focus_pk": section.pk,
                "mark_form": kept,
            }
            return render(request, "portfolio/page_review.html", context, status=status)
        review_url = reverse("page_review", args=[page.author.username, page.slug])
        return redirect(f"{review_url}#{section.anchor}")
    review = _review_context(request, page, only=section)
    shown = review["sections"][0]
    context = {**review, "mark_form": kept, "section": shown, "focus_pk": section.pk}
    return render(request, "portfolio/page_review.html#review-section", context, status=status)


# Saved replies ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def saved_replies(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    cohort = get_cohort_for(request.user, slug, CohortAction.REVIEW)
    form = SavedReplyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            reply = form.save(commit=False)
            reply.cohort, reply.owner = cohort, request.user
            reply.save()
            messages.success(request, f"Saved “{reply.title}”.")
            return redirect("saved_replies", slug=cohort.slug)
        status = 422
    replies = saved_replies_of(request.user, cohort)
    context = {"cohort": cohort, "replies": replies, "form": form}
    return render(request, "portfolio/saved_replies.html", context, status=status)


@login_required
@require_POST
def saved_reply_delete(request: AuthedHttpRequest, slug: str, pk: int) -> HttpResponse:
    cohort = get_cohort_for(request.user, slug, CohortAction.REVIEW)
    reply = get_saved_reply_for(request.user, cohort, pk)
    reply.delete()
    messages.success(request, f"Deleted “{reply.title}”.")
    return redirect("saved_replies", slug=cohort.slug)
