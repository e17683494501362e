from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from portfolio.forms import CommentEditForm, CommentForm
from portfolio.http import AuthedHttpRequest, HtmxHttpRequest, parse_id
from portfolio.models import Comment, NotificationKind, Page, Revision, Section
from portfolio.permissions import (
    CommentAction,
    PageAction,
    get_comment_for,
    get_page_for,
    get_section_for,
)
from portfolio.services import comment_post, thread_notify
from portfolio.threads import PAGE_THREADS, build_threads, mentionable_users
from portfolio.views.pages import TEMPLATE, _page_context

RATE_WINDOW = 60  # seconds; settings.COMMENTS_PER_MINUTE posts per person in each


def _anchor(page: Page, section: Section | None) -> str:
    return section.anchor if section is not None else "discussion"


def _box_response(
    request: HtmxHttpRequest,
    page: Page,
    section: Section | None,
    *,
    status: int = 200,
    form: CommentForm | None = None,
    form_key: str = "",
    focus: int | None = None,
) -> HttpResponse:
    """The comment box of one section (or of the page) after a change."""
    if not request.htmx:
        if status >= 400:
            context = _page_context(
                request, page, comment_form=form, form_key=form_key, open_box=_key(section)
            )
            return render(request, TEMPLATE, context, status=status)
        target = f"#thread-{focus}" if focus else f"#{_anchor(page, section)}"
        return redirect(f"{page.get_absolute_url()}{target}")
    sections = [section] if section is not None else list(page.sections.all())
    threads = build_threads(page, sections, request.user, only_these=section is not None)
    context = {
        "page": page,
        "box_section": section,
        "box_threads": threads.for_section(section) if section else threads.page_level,
        "can_comment": threads.can_comment,
        "comments_visible": threads.visible,
        "fragments": threads.fragments,
        "comment_form": form,
        "form_key": form_key,
        "open_box": _key(section),
        "focus_comment": focus,
    }
    return render(request, f"{TEMPLATE}#comment-box", context, status=status)


def _key(section: Section | None) -> str:
    return str(section.uid) if section is not None else PAGE_THREADS


def _thread_section(page: Page, comment: Comment) -> Section | None:
    if comment.section_id is None:
        return None
    return Section.objects.filter(pk=comment.section_id, page=page).first()


def _throttled(request: HtmxHttpRequest) -> bool:
    key = f"comment-rate:{request.user.pk}"
    cache.add(key, 0, RATE_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:
        return False
    return count is not None and count > settings.COMMENTS_PER_MINUTE


@login_required
@vary_on_headers("HX-Request")
@require_POST
def comment_create(request: AuthedHttpRequest, username: str, slug: str) -> HttpResponse:
    page = get_page_for(request.user, username, slug, PageAction.COMMENT)
    form = CommentForm(request.POST)
    section = parent = None
    if form.is_valid():
        if form.cleaned_data["parent"]:
            parent = (
                Comment.objects.filter(pk=form.cleaned_data["parent"], page=page, parent=None)
                .select_related("section")
                .first()
            )
            if parent is None:
                raise Http404("No such thread on this page.")
            section = parent.section
        elif form.cleaned_data["section"]:
            section = get_section_for(page, form.cleaned_data["section"])
    else:
        section_id = parse_id(request.POST.get("section"))
        section = get_section_for(page, section_id) if section_id else None
    form_key = f"reply-{parent.pk}" if parent else f"new-{_key(section)}"
    if not form.is_valid():
        return _box_response(request, page, section, status=422, form=form, form_key=form_key)
    if _throttled(request):
        messages.error(
            request,
            "You are commenting very fast. Wait a minute, then post again — your text is kept.",
        )
        return _box_response(request, page, section, status=429, form=form, form_key=form_key)

    comment = comment_post(
        page=page,
        author=request.user,
        body=form.cleaned_data["body"],
        section=section,
        parent=parent,
        quote=form.cleaned_data["quote"],
    )
    messages.success(request, "Reply posted." if parent else "Comment posted.")
    return _box_response(request, page, section, focus=comment.pk)


@login_required
@vary_on_headers("HX-Request")
@require_http_methods(["GET", "HEAD", "POST"])
def comment_edit(request: AuthedHttpRequest, username: str, slug: str, pk: int) -> HttpResponse:
    page = get_page_for(request.user, username, slug, PageAction.VIEW)
    comment = get_comment_for(request.user, page, pk, CommentAction.EDIT)
    section = _thread_section(page, comment)
    form = CommentEditForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        body = form.cleaned_data["body"]
        comment.edit(body, mentionable=mentionable_users(page, body))
        messages.success(request, "Comment updated.")
        return _box_response(request, page, section, focus=comment.pk)
    status = 422 if request.method == "POST" else 200
    context = {"page": page, "comment": comment, "edit_form": form}
    if request.htmx:
        return render(request, f"{TEMPLATE}#comment-edit", context, status=status)
    return render(request, "portfolio/comment_edit.html", context, status=status)


@login_required
@vary_on_headers("HX-Request")
@require_POST
def comment_delete(request: AuthedHttpRequest, username: str, slug: str, pk: int) -> HttpResponse:
    page = get_page_for(request.user, username, slug, PageAction.VIEW)
    comment = get_comment_for(request.user, page, pk, CommentAction.DELETE)
    comment.soft_delete()
    messages.success(request, "Comment deleted.")
    return _box_response(request, page, _thread_section(page, comment))


@login_required
@vary_on_headers("HX-Request")
@require_POST
def comment_resolve(request: AuthedHttpRequest, username: str, slug: str, pk: int) -> HttpResponse:
    page = get_page_for(request.user, username, slug, PageAction.VIEW)
    comment = get_comment_for(request.user, page, pk, CommentAction.RESOLVE)
    if request.POST.get("action") == "reopen":
        comment.reopen()
        messages.success(request, "Thread reopened.")
    else:
        with transaction.atomic():
            comment.resolve(by=request.user)
            thread_notify(comment=comment, actor=request.user, kind=NotificationKind.RESOLVED)
        messages.success(request, "Thread resolved.")
    return _box_response(request, page, _thread_section(page, comment), focus=comment.pk)


@login_required
@vary_on_headers("HX-Request")
@require_POST
def comment_address(request: AuthedHttpRequest, username: str, slug: str, pk: int) -> HttpResponse:
    page = get_page_for(request.user, username, slug, PageAction.VIEW)
    comment = get_comment_for(request.user, page, pk, CommentAction.ADDRESS)
    revision = (
        Revision.objects.filter(section_uid=comment.section_uid).order_by("-pk").first()
        if comment.section_uid
        else None
    )
    with transaction.atomic():
        comment.mark_addressed(by=request.user, revision=revision)
        thread_notify(comment=comment, actor=request.user, kind=NotificationKind.ADDRESSED)
    messages.success(request, "Marked as addressed. The commenter can now resolve it.")
    return _box_response(request, page, _thread_section(page, comment), focus=comment.pk)
