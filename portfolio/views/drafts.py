"""Drafts of open section editors, and who is editing what (see portfolio.models.drafts
and portfolio.presence).

The editor's script sends its text here after a pause in typing, when the field loses
focus and when the page goes away; the "Save draft" button does the same without
JavaScript. The script asks for JSON; a form post gets a page back.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_POST, require_safe

from portfolio import presence
from portfolio.diff import diff_text, inline_diff
from portfolio.forms import DraftForm
from portfolio.http import AuthedHttpRequest
from portfolio.models import Draft, Section
from portfolio.permissions import PageAction, get_page_for, get_section_for, get_section_for_action
from portfolio.readme import heading_markdown
from portfolio.views.pages import _section_form, _section_form_response
from portfolio.web.middleware import scripted

RATE_WINDOW = 60  # seconds; settings.DRAFTS_PER_MINUTE writes per person in each


def _throttled(request: AuthedHttpRequest) -> bool:
    key = f"draft-rate:{request.user.pk}"
    cache.add(key, 0, RATE_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:
        return False
    return count is not None and count > settings.DRAFTS_PER_MINUTE


def _clock(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%H:%M}"


def _edit_url(section: Section) -> str:
    page = section.page
    return f"{page.get_absolute_url()}sections/{section.pk}/edit/"


@login_required
@require_POST
def draft_save(request: AuthedHttpRequest, username: str, slug: str, pk: int) -> HttpResponse:
    """Keep the editor's text as the person's draft of the section: one read (the
    section, its page and the person's role) and one write."""
    section = get_section_for_action(request.user, username, slug, pk, PageAction.EDIT)
    form = DraftForm(request.POST, lead=section.is_lead)
    # The script says so in the body too: a beacon cannot set headers.
    wants_json = scripted(request) or request.POST.get("format") == "json"
    if _throttled(request):
        message = (
            "Drafts are being saved too often. Your text is kept in this browser; wait a moment."
        )
        if wants_json:
            return JsonResponse({"error": "throttled", "detail": message}, status=429)
        messages.error(request, message)
        return redirect(_edit_url(section))
    if not form.is_valid():
        detail = form.first_error()
        if wants_json:
            return JsonResponse({"error": "invalid", "detail": detail}, status=422)
        # Without JavaScript: the editor again, with the reason and the text as sent.
        editor = _section_form(section, request.POST)
        if editor.is_valid():
            editor.add_error(None, detail)
        return _section_form_response(request, section.page, section, editor, status=422)
    data = form.cleaned_data
    if presence.is_closed(data.get("editor", "")):
        # Sent by an editor whose text was saved or discarded since: it arrived late.
        return JsonResponse({"closed": True})
    if _unchanged(section, data):
        # Nothing the section does not already say (or a draft that raced its own
        # save): no draft is kept, and any earlier one goes.
        Draft.objects.filter(user=request.user, section=section).delete()
        if not wants_json:
            messages.info(request, "Nothing to keep: the text is the same as the saved section.")
            return redirect(_edit_url(section))
        now = timezone.now()
        return JsonResponse({"saved_at": now.isoformat(), "time": _clock(now), "unchanged": True})
    draft = Draft.keep(
        user_id=request.user.pk,
        section=section,
        heading=data.get("heading", ""),
        body=data["body"],
        base_version=data["version"],
    )
    if not wants_json:
        messages.success(request, f"Draft saved {_clock(draft.updated_at)}. Only you can see it.")
        return redirect(f"{_edit_url(section)}?draft=1")
    others = presence.report(section.pk, request.user, data.get("editor", ""))
    return JsonResponse(
        {
            "saved_at": draft.updated_at.isoformat(),
            "time": _clock(draft.updated_at),
            "base_version": draft.base_version,
            "editing": presence.describe(others, request.user, in_editor=True),
        }
    )


def _unchanged(section: Section, data: dict[str, object]) -> bool:
    body = str(data["body"]).strip("\n").rstrip()
    heading = " ".join(str(data.get("heading", "")).split())
    return body == section.body and (section.is_lead or heading == section.heading_markdown)


@login_required
@require_POST
def draft_discard(request: AuthedHttpRequest, username: str, slug: str, pk: int) -> HttpResponse:
    """Throw the person's draft of the section away (and forget their open editor)."""
    section = get_section_for_action(request.user, username, slug, pk, PageAction.EDIT)
    deleted, _ = Draft.objects.filter(user=request.user, section=section).delete()
    presence.leave(section.pk, request.POST.get("editor", ""))
    presence.close(request.POST.get("editor", ""))
    if scripted(request) or request.POST.get("format") == "json":
        return HttpResponse(status=204)
    if deleted:
        messages.success(request, f"Discarded your draft of “{section.label}”.")
    return redirect(f"{section.page.get_absolute_url()}#{section.anchor}")


@login_required
@require_safe
def draft_compare(request: AuthedHttpRequest, username: str, slug: str, pk: int) -> HttpResponse:
    """The person's draft beside the section's current text, as a diff."""
    page = get_page_for(request.user, username, slug, PageAction.EDIT)
    section = get_section_for(page, pk)
    draft = Draft.objects.filter(user=request.user, section=section).first()
    if draft is None:
        messages.info(request, f"There is no draft of “{section.label}” any more.")
        return redirect(f"{page.get_absolute_url()}#{section.anchor}")
    context = {
        "page": page,
        "section": section,
        "draft": draft,
        "stale": draft.is_stale(section),
        "heading": inline_diff(section.heading_markdown, heading_markdown(draft.heading))
        if not section.is_lead
        else "",
        "body": diff_text(section.body, draft.body),
        "same": (draft.body, draft.heading) == (section.body, section.heading_markdown)
        or (section.is_lead and draft.body == section.body),
    }
    return render(request, "portfolio/draft_compare.html", context)


@login_required
@require_POST
def section_editing(request: AuthedHttpRequest, username: str, slug: str, pk: int) -> HttpResponse:
    """An open editor reports in (the answer says who else is editing the section), or,
    with `left`, says it went away (its page unloaded)."""
    section = get_section_for_action(request.user, username, slug, pk, PageAction.EDIT)
    if request.POST.get("left"):
        presence.leave(section.pk, request.POST.get("editor", ""))
        return HttpResponse(status=204)
    others = presence.report(section.pk, request.user, request.POST.get("editor", ""))
    return JsonResponse({"editing": presence.describe(others, request.user, in_editor=True)})


@require_safe
def page_editing(request: AuthedHttpRequest, username: str, slug: str) -> HttpResponse:
    """Who is editing which section of the page, for readers of the page: polled by
    the page every ~20 s, answered with the notes to swap in (out of band)."""
    page = get_page_for(request.user, username, slug, PageAction.HISTORY)
    pks = list(page.sections.values_list("pk", flat=True))
    editing = presence.editing(pks)
    notes = {pk: presence.describe(editing.get(pk, []), request.user) for pk in pks}
    return render(request, "portfolio/_editing_notes.html", {"notes": notes})


@require_safe
def session_state(request: HttpRequest) -> HttpResponse:
    """Whether this browser is signed in, and the form token to use now: a page whose
    session ended asks after the person signs in again (in another tab), then sends
    what it kept. Never cached; same-origin scripts only can read it."""
    response = JsonResponse(
        {"signed_in": request.user.is_authenticated, "csrf": get_token(request)}
    )
    patch_cache_control(response, no_store=True, private=True)
    return response


@login_required
@require_safe
def signed_in_again(request: AuthedHttpRequest) -> HttpResponse:
    """Where signing in from the "session ended" dialog lands: the tab that was
    editing sends its text by itself; this one says so and can be closed."""
    return render(request, "portfolio/signed_in_again.html")
