from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.db.models import BooleanField, Case, Count, IntegerField, Value, When
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe
from django.views.decorators.vary import vary_on_headers

from portfolio.forms import DeleteAccountForm, ProfileForm
from portfolio.http import AuthedHttpRequest, HtmxHttpRequest
from portfolio.models import Page, Role, Status, Tag
from portfolio.permissions import can_edit_profile, get_profile_for, member_cohort_ids
from portfolio.web.pagecache import public_cache


@require_safe
@public_cache("profile")
def profile(request: HtmxHttpRequest, username: str) -> HttpResponse:
    person = get_profile_for(request.user, username)
    pages = (
        Page.objects.visible_to(request.user)
        .filter(author=person)
        .select_related("cohort", "author")
        .annotate(
            section_count=Count("sections"),
            approved_first=Case(
                When(status=Status.APPROVED, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            # Readers outside a page's cohort see the portfolio, not the workflow:
            # reading time and date, no status or section counts.
            for_reader=Case(
                When(cohort_id__in=member_cohort_ids(request.user), then=Value(False)),
                default=Value(True),
                output_field=BooleanField(),
            ),
        )
        .order_by("approved_first", "-updated_at")
    )
    tag = Tag.objects.filter(slug=request.GET.get("tag", "")[:50]).first()
    if tag is not None:
        pages = pages.filter(tags=tag)
    context = {
        "person": person,
        "pages": pages,
        "tag": tag,
        "can_edit": can_edit_profile(request.user, person),
    }
    return render(request, "portfolio/profile.html", context)


@login_required
@vary_on_headers("HX-Request")
@require_http_methods(["GET", "HEAD", "POST"])
def profile_edit(request: AuthedHttpRequest, username: str) -> HttpResponse:
    person = get_profile_for(request.user, username, edit=True)
    form = ProfileForm(request.POST or None, instance=person)
    template = "portfolio/profile.html"
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, "Profile saved.")
            if not request.htmx:
                return redirect("profile", username=person.username)
            context = {"person": person, "focus": True, "can_edit": True}
            return render(request, f"{template}#profile-head", context)
        status = 422
    else:
        status = 200
    if request.htmx:
        return render(
            request, f"{template}#profile-form", {"person": person, "form": form}, status=status
        )
    return render(
        request, "portfolio/profile_edit.html", {"person": person, "form": form}, status=status
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account_delete(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    form = DeleteAccountForm(request.POST or None, user=user)
    stranded = [
        membership.cohort
        for membership in user.memberships.filter(role=Role.ORGANIZER).select_related("cohort")
        if membership._is_last_organizer()
    ]
    if request.method == "POST":
        if form.is_valid() and not stranded:
            logout(request)
            user.delete()
            messages.success(request, "Your account and your pages are deleted. Goodbye!")
            return redirect("home")
        status = 422
    else:
        status = 200
    context = {"form": form, "stranded": stranded}
    return render(request, "portfolio/account_delete.html", context, status=status)
