from __future__ import annotations

import io
import re
import uuid
import zipfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import reswap, retarget

from portfolio import presence
from portfolio.diff import diff_text, inline_diff
from portfolio.forms import (
    ImportForm,
    NewPageForm,
    NewSectionForm,
    PageMetaForm,
    SectionForm,
    TagForm,
    VisibilityForm,
    first_error,
)
from portfolio.http import AuthedHttpRequest, HtmxHttpRequest, parse_id
from portfolio.limits import MAX_PAGE_BYTES, MAX_SECTION_BODY
from portfolio.markdown import render_markdown
from portfolio.models import (
    Draft,
    Page,
    Revision,
    RevisionKind,
    Section,
    StaleVersion,
    Tag,
    User,
    Viewer,
    Visibility,
)
from portfolio.permissions import (
    PageAction,
    can_read_history,
    cohorts_for_new_pages,
    get_page_for,
    get_section_for,
    page_abilities,
)
from portfolio.readme import heading_markdown, page_bytes, parse_readme, render_page, too_big
from portfolio.services import page_create, page_export, page_import, tag_get_or_create
from portfolio.threads import build_threads
from portfolio.web.pagecache import public_cache

TEMPLATE = "portfolio/page_detail.html"
MAX_TAGS = 10


def _page_context(request: HtmxHttpRequest, page: Page, **extra: object) -> dict[str, object]:
    sections = list(page.sections.all())
    threads = build_threads(page, sections, request.user)
    for section in sections:
        section.page = page
        section.threads = threads.for_section(section)
    can = page_abilities(request.user, page)
    if threads.visible:
        # Who is editing which section: one cache read; nothing when the cache is down.
        editing = presence.editing([section.pk for section in sections])
        for section in sections:
            section.editing_note = presence.describe(editing.get(section.pk, []), request.user)
    context: dict[str, object] = {
        "page": page,
        "sections": sections,
        "drafts": _drafts(request.user, page, sections, editing=extra.get("editing_pk"))
        if can["edit"] and isinstance(request.user, User)
        else [],
        "tags": list(page.tags.all()),
        "can": can,
        "page_threads": threads.page_level,
        "can_comment": threads.can_comment,
        "comments_visible": threads.visible,
        "fragments": threads.fragments,
        "last_review": page.reviews.select_related("reviewer").first(),
        "heartbeat": presence.HEARTBEAT_SECONDS,
        **extra,
    }
    if can["edit"]:
        context.setdefault(
            "visibility_form", VisibilityForm(initial={"visibility": page.visibility})
        )
        context.setdefault("tag_form", TagForm())
        context.setdefault("new_section_form", NewSectionForm())
        context["tag_suggestions"] = _tag_suggestions(request.user)
    return context


def _drafts(user: User, page: Page, sections: list[Section], *, editing: object) -> list[Draft]:
    """The author's drafts on this page, each with its section, for the recovery
    notice; the draft of the section open in the editor is not offered again."""
    by_pk = {section.pk: section for section in sections}
    drafts = Draft.objects.filter(user=user, page=page).order_by("-updated_at")
    found = [draft for draft in drafts if draft.section_id != editing]
    for draft in found:
        draft.section = by_pk[draft.section_id]
    return found


def _tag_suggestions(viewer: Viewer) -> list[str]:
    """The tags most pages carry, for the tag field's suggestions, counted over the
    pages the viewer may see: a tag only on pages hidden from them (someone's private
    page, another cohort's) is never suggested."""
    return list(
        Tag.objects.filter(pages__in=Page.objects.visible_to(viewer))
        .annotate(uses=Count("pages"))
        .order_by("-uses", "name")
        .values_list("name", flat=True)[:60]
    )


def _section_context(
    request: HtmxHttpRequest, page: Page, section: Section, **extra: object
) -> dict[str, object]:
    threads = build_threads(page, [section], request.user, only_these=True)
    section.threads = threads.for_section(section)
    return {
        "page": page,
        "section": section,
        "can": page_abilities(request.user, page),
        "can_comment": threads.can_comment,
        "comments_visible": threads.visible,
        "fragments": threads.fragments,
        "heartbeat": presence.HEARTBEAT_SECONDS,
        **extra,
    }


# Creating, importing, exporting -------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def page_new(request: AuthedHttpRequest) -> HttpResponse:
    cohorts = cohorts_for_new_pages(request.user)
    form = NewPageForm(request.POST or None, cohorts=cohorts)
    if not cohorts.exists():
        return render(request, "portfolio/page_new.html", {"form": form, "no_cohorts": True})
    if request.method == "POST":
        if form.is_valid():
            page = page_create(
                cohort=form.cleaned_data["cohort"],
                author=request.user,
                title=form.cleaned_data["title"],
                from_template=form.cleaned_data["start"] == "template",
            )
            messages.success(request, "Your page is ready. Pick a section and start writing.")
            return redirect(page)
        return render(request, "portfolio/page_new.html", {"form": form}, status=422)
    return render(request, "portfolio/page_new.html", {"form": form})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def page_import_view(request: AuthedHttpRequest) -> HttpResponse:
    cohorts = cohorts_for_new_pages(request.user)
    form = ImportForm(request.POST or None, request.FILES or None, cohorts=cohorts)
    context = {"form": form, "no_cohorts": not cohorts.exists()}
    if request.method == "POST" and not context["no_cohorts"]:
        if form.is_valid():
            upload = request.FILES.get("file")
            fallback = (
                upload.name.rsplit(".", 1)[0] if upload and upload.name else "Imported journal"
            )
            parsed = parse_readme(form.cleaned_data["markdown"], fallback_title=fallback)
            problems = parsed.problems()
            size = page_bytes(parsed.title_source, [part.source for part in parsed.sections])
            if size > MAX_PAGE_BYTES:
                problems.insert(0, too_big(size))
            if problems:
                for problem in problems[:5]:
                    form.add_error(None, problem)
                return render(request, "portfolio/page_import.html", context, status=422)
            page = page_import(
                cohort=form.cleaned_data["cohort"], author=request.user, parsed=parsed
            )
            count = len(parsed.sections)
            messages.success(
                request,
                f"Imported “{page.title}” with {count} section{'s' if count != 1 else ''}.",
            )
            return redirect(page)
        return render(request, "portfolio/page_import.html", context, status=422)
    return render(request, "portfolio/page_import.html", context)


@require_safe
def page_export_view(request: HtmxHttpRequest, username: str, slug: str) -> HttpResponse:
    page = get_page_for(request.user, username, slug, PageAction.VIEW)
    response = HttpResponse(page_export(page=page), content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{export_name(page)}.md"
    )
    return response


def draft_export(draft: Draft) -> str:
    """A draft as Markdown: its heading line (the text before the first heading has
    none) and its text, headed by where it belongs and when it was kept."""
    kept = f"{draft.updated_at:%Y-%m-%d %H:%M} UTC"
    where = f"<!-- Draft of a section of “{draft.page.title}”, kept {kept} -->"
    level = re.match(r"\s{0,3}(#{1,6})\s", draft.section.heading_source)
    marks = level.group(1) if level else "##"
    heading = "" if draft.section.is_lead else f"{marks} {draft.heading or draft.section.label}\n\n"
    return f"{where}\n\n{heading}{draft.body}\n"


def export_name(page: Page) -> str:
    """A file name that reads like the title, in any script: 学習ノート.md, not page-4.md."""
    return slugify(page.title, allow_unicode=True)[:80].strip("-_") or page.slug


@login_required
@require_safe
def pages_export_zip(request: AuthedHttpRequest) -> HttpResponse:
    """All of my pages, one Markdown file each, in a zip: the learner's own copy."""
    pages = list(
        Page.objects.filter(author=request.user)
        .select_related("author")
        .prefetch_related("sections", "tags")
        .order_by("slug")
    )
    buffer = io.BytesIO()
    taken: set[str] = set()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for page in pages:
            name = base = export_name(page)
            number = 2
            while name in taken:
                name, number = f"{base}-{number}", number + 1
            taken.add(name)
            archive.writestr(f"{name}.md", page_export(page=page))
        # Drafts are the learner's too: each as the Markdown of its section, as typed.
        drafts = Draft.objects.filter(user=request.user).select_related("page", "section")
        for draft in drafts.order_by("page__slug", "section__position"):
            archive.writestr(
                f"drafts/{export_name(draft.page)}--{draft.section.pk}.md", draft_export(draft)
            )
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    name = f"nexus-{request.user.username}-pages.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# Reading ------------------------------------------------------------------------------


@require_safe
@public_cache("page")
def page_detail(request: HtmxHttpRequest, username: str, slug: str) -> HttpResponse:
    page = get_page_for(request.user, username, slug, PageAction.VIEW)
    member = can_read_history(request.user, page)
    if not member or request.GET.get("view") == "reader":
        # Readers outside the cohort get the document and its author: the workflow
        # (status, review, history, discussion) stays with the cohort.
        return render(request, "portfolio/page_read.html", _reader_context(page, member=member))
    return render(request, TEMPLATE, _page_context(request, page))


# A page with this many headed sections gets a table of contents for its readers.
TOC_FROM = 4


def _reader_context(page: Page, *, member: bool) -> dict[str, object]:
    sections = [
        section
        for section in page.sections.all()
        # An empty section is the author's to-do, not the reader's.
        if section.body_html.strip()
    ]
    headed = [section for section in sections if not section.is_lead]
    public = Page.objects.filter(author=page.author, visibility=Visibility.PUBLIC).only(
        "title", "slug", "created_at", "author_id"
    )
    newer = public.filter(created_at__gt=page.created_at).order_by("created_at", "pk").first()
    older = public.filter(created_at__lt=page.created_at).order_by("-created_at", "-pk").first()
    for neighbour in (newer, older):
        if neighbour is not None:
            neighbour.author = page.author
    # A document with its own table of contents needs no second one.
    own_toc = any(section.body_html.count('href="#md-') >= 3 for section in sections[:2])
    return {
        "page": page,
        "sections": sections,
        "toc": headed if len(headed) >= TOC_FROM and not own_toc else [],
        "tags": list(page.tags.all()),
        "older": older,
        "newer": newer,
        "member": member,
    }


@vary_on_headers("HX-Request")
@require_safe
def section_detail(request: HtmxHttpRequest, username: str, slug: str, pk: int) -> HttpResponse:
    page = get_page_for(request.user, username, slug, PageAction.VIEW)
    section = get_section_for(page, pk)
    if not request.htmx:
        return redirect(f"{page.get_absolute_url()}#{section.anchor}")
    context = _section_context(request, page, section, focus_pk=section.pk)
    return render(request, f"{TEMPLATE}#section", context)


# Title and summary --------------------------------------------------------------------


@login_required
@vary_on_headers("HX-Request")
@require_http_methods(["GET", "HEAD", "POST"])
def page_meta(request: AuthedHttpRequest, username: str, slug: str) -> HttpResponse:
    page = get_page_for(request.user, username, slug, PageAction.EDIT)
    if request.method != "POST":
        form = PageMetaForm(
            initial={"title": page.title, "summary": page.summary, "version": page.version}
        )
        return _meta_response(request, page, form, status=200)
    form = PageMetaForm(request.POST)
    if not form.is_valid():
        return _meta_response(request, page, form, status=422)
    data = form.cleaned_data
    try:
        changed = page.save_meta(
            title=data["title"], summary=data["summary"], base_version=data["version"]
        )
    except StaleVersion:
        page.refresh_from_db()
        mine = {"title": data["title"], "summary": data["summary"]}
        return _meta_response(request, page, form, status=409, meta_conflict=mine)
    if changed:
        messages.success(request, "Title and summary saved.")
    if not request.htmx:
        return redirect(page)
    context = {"page": page, "can": page_abilities(request.user, page), "focus_title": True}
    return render(request, f"{TEMPLATE}#page-header", context)


def _meta_response(
    request: AuthedHttpRequest, page: Page, form: PageMetaForm, *, status: int, **extra: object
) -> HttpResponse:
    if request.htmx:
        partial = "meta-conflict" if "meta_conflict" in extra else "meta-form"
        context = {"page": page, "meta_form": form, "can": page_abilities(request.user, page)}
        return render(request, f"{TEMPLATE}#{partial}", {**context, **extra}, status=status)
    context = _page_context(request, page, meta_form=form, **extra)
    return render(request, TEMPLATE, context, status=status)


# Sections -----------------------------------------------------------------------------


@login_required
@vary_on_headers("HX-Request")
@require_http_methods(["GET", "HEAD", "POST"])
def section_edit(request: AuthedHttpRequest, username: str, slug: str, pk: int) -> HttpResponse:
    page = get_page_for(request.user, username, slug, PageAction.EDIT)
    section = get_section_for(page, pk)
    if request.method != "POST":
        draft = (
            Draft.objects.filter(user=request.user, section=section).first()
            if request.GET.get("draft")
            else None
        )
        if draft is None:
            return _section_form_response(
                request, page, section, _section_form(section), status=200
            )
        return _resume(request, page, section, draft)
    form = _section_form(section, request.POST)
    if not form.is_valid():
        return _section_form_response(request, page, section, form, status=422)
    data = form.cleaned_data
    if "preview" in request.POST:
        # The no-JavaScript preview: the same form, with the rendered text below it.
        preview = render_markdown(data["body"], references=page.references)
        return _section_form_response(request, page, section, form, status=200, preview=preview)
    try:
        changed = section.save_text(
            heading=data.get("heading", ""),
            body=data["body"],
            base_version=data["version"],
            by=request.user,
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _section_form_response(request, page, section, form, status=422)
    except StaleVersion:
        section.refresh_from_db()
        conflict = {"heading": data.get("heading", ""), "body": data["body"]}
        return _section_form_response(request, page, section, form, status=409, conflict=conflict)
    # Saved: the draft has done its work, and this editor is closed.
    Draft.objects.filter(user=request.user, section=section).delete()
    presence.leave(section.pk, request.POST.get("editor", ""))
    presence.close(request.POST.get("editor", ""))
    if changed:
        messages.success(request, f"Saved “{section.label}”.")
    if not request.htmx:
        return redirect(f"{page.get_absolute_url()}#{section.anchor}")
    context = _section_context(request, page, section, focus_pk=section.pk)
    return render(request, f"{TEMPLATE}#section", context)


def _resume(request: AuthedHttpRequest, page: Page, section: Section, draft: Draft) -> HttpResponse:
    """Open the editor with the person's draft. When the section was saved since the
    draft's editing began, the draft goes to the "both versions" view instead: the
    person chooses, nothing is overwritten unseen."""
    data = {"heading": draft.heading, "body": draft.body}
    form = SectionForm(
        initial={
            **data,
            "version": section.version if draft.is_stale(section) else draft.base_version,
        },
        auto_id=f"s{section.pk}-%s",
        lead=section.is_lead,
    )
    if draft.is_stale(section):
        return _section_form_response(request, page, section, form, status=200, conflict=data)
    return _section_form_response(request, page, section, form, status=200, resumed=draft)


def _section_form(section: Section, data: QueryDict | None = None) -> SectionForm:
    # Several sections can be open at once: each form's ids carry the section.
    initial = {
        "heading": section.heading_markdown,
        "body": section.body,
        "version": section.version,
    }
    return SectionForm(data, initial=initial, auto_id=f"s{section.pk}-%s", lead=section.is_lead)


def _section_form_response(
    request: AuthedHttpRequest,
    page: Page,
    section: Section,
    form: SectionForm,
    *,
    status: int,
    **extra: object,
) -> HttpResponse:
    extra = {"section_form": form, **extra}
    if request.htmx:
        partial = "section-conflict" if "conflict" in extra else "section-form"
        context = _section_context(request, page, section, **extra)
        return render(request, f"{TEMPLATE}#{partial}", context, status=status)
    context = _page_context(request, page, editing_pk=section.pk, **extra)
    return render(request, TEMPLATE, context, status=status)


@login_required
@require_POST
def section_add(request: AuthedHttpRequest, username: str, slug: str) -> HttpResponse:
    page = get_page_for(request.user, username, slug, PageAction.EDIT)
    form = NewSectionForm(request.POST)
    section = None
    if form.is_valid():
        try:
            section = page.add_section(heading=form.cleaned_data["heading"], by=request.user)
        except ValidationError as error:
            form.add_error("heading", error)
    if section is None:
        if request.htmx:
            context = {
                "page": page,
                "new_section_form": form,
                "can": page_abilities(request.user, page),
            }
            response = render(request, f"{TEMPLATE}#add-section", context, status=422)
            return reswap(retarget(response, "#add-section"), "outerHTML")
        return render(
            request, TEMPLATE, _page_context(request, page, new_section_form=form), status=422
        )
    section.page = page
    messages.success(request, f"Added “{section.label}”. Write it now, or come back later.")
    if not request.htmx:
        return redirect(
            "section_edit", username=page.author.username, slug=page.slug, pk=section.pk
        )
    section_form = _section_form(section)
    context = _section_context(
        request,
        page,
        section,
        section_form=section_form,
        new_section_form=NewSectionForm(),
        oob=True,
    )
    return render(request, f"{TEMPLATE}#section-added", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def section_delete(request: AuthedHttpRequest, username: str, slug: str, pk: int) -> HttpResponse:
    page = get_page_for(request.user, username, slug, PageAction.EDIT)
    section = get_section_for(page, pk)
    if request.method != "POST":
        # Without JavaScript there is no confirm() dialog: this page asks instead.
        return render(request, "portfolio/section_delete.html", {"page": page, "section": section})
    section.remove(by=request.user)
    messages.success(request, f"Deleted “{section.label}”. You can restore it from the history.")
    if not request.htmx:
        return redirect(page)
    return HttpResponse("")


@login_required
@vary_on_headers("HX-Request")
@require_POST
def section_move(request: AuthedHttpRequest, username: str, slug: str, pk: int) -> HttpResponse:
    page = get_page_for(request.user, username, slug, PageAction.EDIT)
    section = get_section_for(page, pk)
    direction = request.POST.get("direction")
    move = None
    if direction not in {"up", "down"}:
        messages.error(request, "Move a section up or down.")
        status = 422
    else:
        status = 200
        move = page.move_section(section, direction)
        if move:
            messages.success(request, f"Moved “{section.label}” {direction}.")
    if not request.htmx:
        return redirect(f"{page.get_absolute_url()}#{section.anchor}")
    focus = {"moved_pk": section.pk, "moved_direction": direction}
    if move is None:
        context = _section_context(request, page, section, **focus)
        return render(request, f"{TEMPLATE}#section", context, status=status)
    # The answer replaces the moved section with the pair in their new order. The
    # neighbour is marked hx-preserve, so htmx moves the element already on the page
    # (an editor open in it keeps its text); sections whose footnote numbers changed
    # are redrawn out of band (nexus.js leaves an open editor alone).
    shown = [*move.pair, *move.redrawn]
    threads = build_threads(page, shown, request.user, only_these=True)
    for item in shown:
        item.page = page
        item.threads = threads.for_section(item)
    context = {
        "page": page,
        "pair": move.pair,
        "redrawn": move.redrawn,
        "footnotes_redrawn": move.footnotes,
        "preserve_pk": move.neighbour.pk,
        "can": page_abilities(request.user, page),
        "can_comment": threads.can_comment,
        "comments_visible": threads.visible,
        "fragments": threads.fragments,
        **focus,
    }
    return render(request, f"{TEMPLATE}#section-moved", context)


@login_required
@require_POST
def page_preview(request: AuthedHttpRequest, username: str, slug: str) -> HttpResponse:
    page = get_page_for(request.user, username, slug, PageAction.EDIT)
    body = request.POST.get("body", "")
    if len(body) > MAX_SECTION_BODY:
        return HttpResponse(
            f'<p class="preview-error">Too long to preview: the limit is {MAX_SECTION_BODY:,} '
            "characters.</p>",
            status=422,
        )
    context = {"page": page, "preview": render_markdown(body, references=page.references)}
    return render(request, f"{TEMPLATE}#preview", context)


# Page settings: visibility and tags ----------------------------------------------------


@login_required
@vary_on_headers("HX-Request")
@require_POST
def page_visibility(request: AuthedHttpRequest, username: str, slug: str) -> HttpResponse:
    page = get_page_for(request.user, username, slug, PageAction.EDIT)
    form = VisibilityForm(request.POST)
    status = 200
    if form.is_valid():
        if page.visibility != form.cleaned_data["visibility"]:
            page.visibility = form.cleaned_data["visibility"]
            page.save(update_fields=["visibility"])
            messages.success(request, f"Visibility: {page.get_visibility_display()}.")
    else:
        status = 422
    if not request.htmx:
        if status == 422:
            messages.error(request, "Choose one of the listed visibilities.")
        return redirect(page)
    context = {"page": page, "visibility_form": form, "can": page_abilities(request.user, page)}
    return render(request, f"{TEMPLATE}#visibility", context, status=status)


def _tags_response(
    request: AuthedHttpRequest, page: Page, *, form: TagForm | None = None, status: int = 200
) -> HttpResponse:
    if not request.htmx:
        return redirect(page)
    # What the tags fragment shows, and nothing of the rest of the page.
    can = page_abilities(request.user, page)
    context = {
        "page": page,
        "tags": list(page.tags.all()),
        "can": can,
        "tag_form": form or TagForm(),
        "focus_tags": True,
        "tag_suggestions": _tag_suggestions(request.user) if can["edit"] else [],
    }
    return render(request, f"{TEMPLATE}#tags", context, status=status)


@login_required
@vary_on_headers("HX-Request")
@require_POST
def tag_add(request: AuthedHttpRequest, username: str, slug: str) -> HttpResponse:
    page = get_page_for(request.user, username, slug, PageAction.EDIT)
    form = TagForm(request.POST)
    if form.is_valid() and page.tags.count() >= MAX_TAGS:
        form.add_error("name", f"A page can have up to {MAX_TAGS} tags.")
    if not form.is_valid():
        if not request.htmx:
            messages.error(request, first_error(form.errors["name"]))
        return _tags_response(request, page, form=form, status=422)
    tag = tag_get_or_create(form.cleaned_data["name"])
    page.tags.add(tag)
    messages.success(request, f"Tagged “{tag.name}”.")
    return _tags_response(request, page)


@login_required
@vary_on_headers("HX-Request")
@require_POST
def tag_remove(request: AuthedHttpRequest, username: str, slug: str, tag: str) -> HttpResponse:
    page = get_page_for(request.user, username, slug, PageAction.EDIT)
    found = page.tags.filter(slug=tag).first()
    if found is None:
        raise Http404("That tag is not on this page.")
    page.tags.remove(found)
    messages.success(request, f"Removed the tag “{found.name}”.")
    return _tags_response(request, page)


# History ------------------------------------------------------------------------------


@require_safe
def page_history(request: HtmxHttpRequest, username: str, slug: str) -> HttpResponse:
    page = get_page_for(request.user, username, slug, PageAction.HISTORY)
    revisions = page.revisions.select_related("author")
    paginator = Paginator(revisions, 50)
    listing = paginator.get_page(request.GET.get("page"))
    live = dict(page.sections.values_list("uid", "version"))
    context = {
        "page": page,
        "revisions": listing,
        "can": page_abilities(request.user, page),
        "live_uids": set(live),
        # A section's current text is its newest revision: restoring that changes nothing.
        "current": {
            pk
            for uid, pk in page.revisions.filter(section_uid__in=live)
            .values("section_uid")
            .annotate(last=Max("pk"))
            .values_list("section_uid", "last")
        },
    }
    compare = _comparison(page, request.GET.get("a"), request.GET.get("b"))
    if compare is not None:
        context["compare"] = compare
    return render(request, "portfolio/page_history.html", context)


def _comparison(page: Page, a: str | None, b: str | None) -> dict[str, object] | None:
    """Compare two revisions; with only `b`, compare it with the one before it."""
    new_pk, old_pk = parse_id(b), parse_id(a)
    if new_pk is None:
        return None
    found = page.revisions.select_related("author")
    new = found.filter(pk=new_pk).first()
    if new is None:
        return None
    if old_pk is not None:
        old = found.filter(pk=old_pk).first()
    else:
        old = (
            found.filter(section_uid=new.section_uid, created_at__lte=new.created_at, pk__lt=new.pk)
            .order_by("-created_at", "-pk")
            .first()
        )
    if old is not None and (old.created_at, old.pk) > (new.created_at, new.pk):
        old, new = new, old
    old_heading = heading_markdown(old.heading_source) if old else ""
    new_heading = heading_markdown(new.heading_source)
    return {
        "old": old,
        "new": new,
        # Two versions saved within a minute of each other need their seconds.
        "precise": old is not None and abs((new.created_at - old.created_at).total_seconds()) < 60,
        "heading": inline_diff(old_heading, new_heading),
        "body": diff_text(old.body if old else "", new.body),
        "same": old is not None
        and (old.heading_source, old.body) == (new.heading_source, new.body),
        "rendered": _revision_html(page, new),
    }


def _revision_html(page: Page, revision: Revision) -> str:
    """A revision's text rendered, for reading beside its source. Revisions never
    change, so once rendered it is kept."""
    key = f"revision-html:{revision.pk}"
    rendered: str | None = cache.get(key)
    if rendered is None:
        rendered = render_markdown(revision.body, references=page.references)
        cache.set(key, rendered, 60 * 60 * 24)
    return rendered


@require_safe
def page_as_of(request: HtmxHttpRequest, username: str, slug: str, pk: int) -> HttpResponse:
    """The page as it was right after one of its revisions: every section's text at that
    moment, in today's order (deleted ones where they stood)."""
    page = get_page_for(request.user, username, slug, PageAction.HISTORY)
    moment = page.revisions.select_related("author").filter(pk=pk).first()
    if moment is None:
        raise Http404("No such version of this page.")
    state: dict[uuid.UUID, Revision] = {}
    earlier = page.revisions.filter(
        Q(created_at__lt=moment.created_at) | Q(created_at=moment.created_at, pk__lte=moment.pk)
    ).order_by("-created_at", "-pk")
    for revision in earlier.only("section_uid", "kind", "heading_source", "body", "position"):
        state.setdefault(revision.section_uid, revision)
    positions = dict(page.sections.values_list("uid", "position"))
    kept = sorted(
        (r for r in state.values() if r.kind != RevisionKind.DELETED),
        key=lambda r: (positions.get(r.section_uid, r.position), r.pk),
    )
    key = f"page-as-of:{page.pk}:{moment.pk}:{page.content_version}"
    rendered = cache.get(key)
    if rendered is None:
        document = render_page(
            page.title_source,
            [
                (r.heading_source, ("\n" if r.heading_source else "") + r.body + "\n\n")
                for r in kept
            ],
        )
        head, *parts = document.parts
        rendered = {
            "head": head.html,
            "footnotes": document.footnotes_html,
            "sections": [
                {
                    "heading": part.heading.html if part.heading else "",
                    "anchor": part.heading.anchor if part.heading else "",
                    "html": part.html,
                }
                for part in parts
            ],
        }
        cache.set(key, rendered, 60 * 60)
    context = {"page": page, "moment": moment, "rendered": rendered}
    return render(request, "portfolio/page_as_of.html", context)


@login_required
@require_POST
def revision_restore(request: AuthedHttpRequest, username: str, slug: str, pk: int) -> HttpResponse:
    page = get_page_for(request.user, username, slug, PageAction.EDIT)
    revision = Revision.objects.filter(pk=pk, page=page).first()
    if revision is None:
        raise Http404("No version with that id on this page.")
    was_live = page.sections.filter(uid=revision.section_uid).exists()
    try:
        section = revision.restore(by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("page_history", username=page.author.username, slug=page.slug)
    if was_live:
        when = timezone.localtime(revision.created_at).strftime("%-d %b %Y, %H:%M")
        messages.success(request, f"Restored “{section.label}” to its version of {when}.")
    elif section.is_lead:
        messages.success(request, f"Restored “{section.label}” at the top of the page.")
    else:
        messages.success(request, f"Restored “{section.label}” at the end of the page.")
    return redirect(f"{page.get_absolute_url()}#{section.anchor}")
