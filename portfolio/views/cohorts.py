from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRefresh, HttpResponseLocation

from portfolio.dashboards import cohort_dashboard as dashboard_figures
from portfolio.directory import directory
from portfolio.forms import CohortForm, InviteForm, RoleForm, first_error
from portfolio.http import AuthedHttpRequest, HtmxHttpRequest
from portfolio.models import (
    Cohort,
    Invite,
    InviteState,
    InviteUnusable,
    LastOrganizerError,
    Membership,
    Role,
)
from portfolio.permissions import (
    CohortAction,
    cohort_abilities,
    get_cohort_for,
    get_invite_for,
    get_membership_for,
    remember_role,
    role_in,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

ROLE_ORDER = [Role.ORGANIZER, Role.MENTOR, Role.LEARNER]
PENDING_INVITE = "pending_invite"


def pending_invite(request: HttpRequest) -> Invite | None:
    """An invite the user opened before signing in and has not accepted yet."""
    token = request.session.get(PENDING_INVITE)
    if not token:
        return None
    invite = Invite.objects.select_related("cohort").filter(token=token).first()
    if invite is None or not invite.is_active or invite.cohort.archived:
        request.session.pop(PENDING_INVITE, None)
        return None
    if role_in(request.user, invite.cohort) is not None:
        request.session.pop(PENDING_INVITE, None)
        return None
    return invite


@login_required
@require_safe
def cohort_list(request: AuthedHttpRequest) -> HttpResponse:
    memberships = (
        Membership.objects.filter(user=request.user)
        .select_related("cohort")
        .annotate(people=Count("cohort__memberships"))
        .order_by("cohort__archived_at", "cohort__name")
    )
    return render(request, "portfolio/cohort_list.html", {"memberships": memberships})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def cohort_create(request: AuthedHttpRequest) -> HttpResponse:
    form = CohortForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            with transaction.atomic():
                cohort = form.save()
                Membership.objects.create(user=request.user, cohort=cohort, role=Role.ORGANIZER)
            messages.success(request, f"“{cohort.name}” is ready. Invite your people next.")
            return redirect("member_list", slug=cohort.slug)
        return render(request, "portfolio/cohort_new.html", {"form": form}, status=422)
    return render(request, "portfolio/cohort_new.html", {"form": form})


PEOPLE_SHOWN = 24


def _people(cohort: Cohort) -> dict[str, list[Membership]]:
    """Members by role for the cohort home; a large cohort shows the first learners and
    how many more there are (the members page lists everyone)."""
    groups: dict[str, list[Membership]] = {role: [] for role in ROLE_ORDER}
    staff = cohort.memberships.exclude(role=Role.LEARNER).select_related("user")
    for membership in staff.order_by("joined_at"):
        groups[membership.role].append(membership)
    learners = cohort.memberships.filter(role=Role.LEARNER).select_related("user")
    groups[Role.LEARNER] = list(learners.order_by("joined_at")[:PEOPLE_SHOWN])
    return groups


@login_required
@vary_on_headers("HX-Request")
@require_safe
def cohort_detail(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    cohort = get_cohort_for(request.user, slug, CohortAction.VIEW)
    context = {"cohort": cohort, "can": cohort_abilities(request.user, cohort)}
    if request.htmx and request.htmx.target == "directory":
        context.update(directory(cohort, request.user, request.GET))
        return render(request, "portfolio/cohort_detail.html#directory", context)
    if request.htmx:
        return render(request, "portfolio/cohort_detail.html#cohort-info", context)
    context["people"] = _people(cohort)
    context["learner_total"] = cohort.memberships.filter(role=Role.LEARNER).count()
    context.update(directory(cohort, request.user, request.GET))
    return render(request, "portfolio/cohort_detail.html", context)


@login_required
@require_safe
def cohort_dashboard(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    cohort = get_cohort_for(request.user, slug, CohortAction.REVIEW)
    figures = dashboard_figures(cohort, request.GET.get("sort", "name"), request.GET.get("page"))
    context = {"cohort": cohort, **figures}
    return render(request, "portfolio/cohort_dashboard.html", context)


@login_required
@vary_on_headers("HX-Request")
@require_http_methods(["GET", "HEAD", "POST"])
def cohort_edit(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    cohort = get_cohort_for(request.user, slug, CohortAction.EDIT)
    old_slug = cohort.slug
    form = CohortForm(request.POST or None, instance=cohort)
    form.fields["name"].widget.attrs["data-autofocus"] = ""
    template = "portfolio/cohort_detail.html"
    if request.method == "POST":
        if form.is_valid():
            cohort = form.save()
            messages.success(request, "Cohort details saved.")
            if not request.htmx:
                return redirect(cohort)
            if cohort.slug != old_slug:
                # The address changed: the page the user is on no longer exists.
                return HttpResponseLocation(cohort.get_absolute_url())
            context = {"cohort": cohort, "can": cohort_abilities(request.user, cohort)}
            return render(request, f"{template}#cohort-info", context)
        cohort.slug = old_slug
        context = {"cohort": cohort, "form": form}
        if request.htmx:
            return render(request, f"{template}#cohort-edit-form", context, status=422)
        return render(request, "portfolio/cohort_edit.html", context, status=422)
    context = {"cohort": cohort, "form": form}
    if request.htmx:
        return render(request, f"{template}#cohort-edit-form", context)
    return render(request, "portfolio/cohort_edit.html", context)


@login_required
@require_POST
def cohort_archive(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    cohort = get_cohort_for(request.user, slug, CohortAction.ARCHIVE)
    if request.POST.get("action") == "restore":
        cohort.restore()
        messages.success(request, f"“{cohort.name}” is active again.")
    else:
        cohort.archive()
        messages.success(request, f"“{cohort.name}” is archived and now read-only.")
    return redirect(cohort)


@login_required
@require_POST
def cohort_leave(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    cohort = get_cohort_for(request.user, slug, CohortAction.LEAVE)
    membership = Membership.objects.get(user=request.user, cohort=cohort)
    try:
        membership.remove()
    except LastOrganizerError as error:
        messages.error(request, error.message)
        return redirect("member_list", slug=cohort.slug)
    messages.success(request, f"You left “{cohort.name}”.")
    return redirect("cohort_list")


# Members and invites ------------------------------------------------------------------


def _members_context(
    request: AuthedHttpRequest, cohort: Cohort, **extra: object
) -> dict[str, object]:
    can = cohort_abilities(request.user, cohort)
    context: dict[str, object] = {
        "cohort": cohort,
        "can": can,
        "roles": Role.choices,
        "members": cohort.memberships.select_related("user").order_by("joined_at"),
        "invite_form": InviteForm(),
        **extra,
    }
    if can["manage_invites"]:
        context["invites"] = _invites(cohort)
    return context


def _invites(cohort: Cohort) -> list[Invite]:
    invites = list(cohort.invites.select_related("created_by")[:50])
    # Active links first: those are the ones people copy.
    invites.sort(key=lambda invite: invite.state != InviteState.ACTIVE)
    return invites


@login_required
@require_safe
def member_list(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    cohort = get_cohort_for(request.user, slug, CohortAction.VIEW)
    return render(request, "portfolio/cohort_members.html", _members_context(request, cohort))


@login_required
@vary_on_headers("HX-Request")
@require_POST
def member_role(request: AuthedHttpRequest, slug: str, pk: int) -> HttpResponse:
    cohort = get_cohort_for(request.user, slug, CohortAction.VIEW)
    membership = get_membership_for(request.user, cohort, pk)
    form = RoleForm(request.POST)
    error: StrOrPromise = ""
    if not form.is_valid():
        error = first_error(form.errors["role"])
    else:
        try:
            membership.change_role(form.cleaned_data["role"])
        except LastOrganizerError as exc:
            error = exc.message
    if membership.user_id == request.user.pk:
        remember_role(request.user, cohort, membership.role)
    if error:
        if not request.htmx:
            messages.error(request, error)
            return redirect("member_list", slug=cohort.slug)
        context = _row_context(request, cohort, membership, error=error)
        return render(request, "portfolio/cohort_members.html#member-row", context, status=422)
    messages.success(request, f"{membership.user.name} is now {membership.get_role_display()}.")
    if not request.htmx:
        return redirect("member_list", slug=cohort.slug)
    if membership.user_id == request.user.pk:
        # Demoting yourself changes what the whole page may show.
        return HttpResponseClientRefresh()
    context = _row_context(request, cohort, membership, focus=True)
    return render(request, "portfolio/cohort_members.html#member-row", context)


def _row_context(
    request: AuthedHttpRequest, cohort: Cohort, membership: Membership, **extra: object
) -> dict[str, object]:
    return {
        "cohort": cohort,
        "can": cohort_abilities(request.user, cohort),
        "roles": Role.choices,
        "member": membership,
        **extra,
    }


@login_required
@require_POST
def member_remove(request: AuthedHttpRequest, slug: str, pk: int) -> HttpResponse:
    cohort = get_cohort_for(request.user, slug, CohortAction.VIEW)
    membership = get_membership_for(request.user, cohort, pk)
    name = membership.user.name
    try:
        membership.remove()
    except LastOrganizerError as exc:
        if not request.htmx:
            messages.error(request, exc.message)
            return redirect("member_list", slug=cohort.slug)
        context = _row_context(request, cohort, membership, error=exc.message)
        return render(request, "portfolio/cohort_members.html#member-row", context, status=422)
    if membership.user_id == request.user.pk:
        messages.success(request, f"You left “{cohort.name}”.")
        return redirect("cohort_list")
    messages.success(request, f"{name} was removed from the cohort.")
    if not request.htmx:
        return redirect("member_list", slug=cohort.slug)
    return HttpResponse("")


@login_required
@vary_on_headers("HX-Request")
@require_POST
def invite_create(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    cohort = get_cohort_for(request.user, slug, CohortAction.MANAGE_INVITES)
    form = InviteForm(request.POST)
    if not form.is_valid():
        context = _members_context(request, cohort, invite_form=form)
        if request.htmx:
            return render(request, "portfolio/cohort_members.html#invites", context, status=422)
        return render(request, "portfolio/cohort_members.html", context, status=422)
    invite = Invite.objects.create(
        cohort=cohort,
        role=form.cleaned_data["role"],
        max_uses=form.cleaned_data["max_uses"],
        expires_at=form.expires_at(),
        created_by=request.user,
    )
    messages.success(request, f"New {invite.get_role_display().lower()} link ready to copy.")
    if not request.htmx:
        return redirect(reverse("member_list", args=[cohort.slug]) + f"#invite-{invite.pk}")
    context = _members_context(request, cohort, new_invite=invite)
    return render(request, "portfolio/cohort_members.html#invites", context)


@login_required
@vary_on_headers("HX-Request")
@require_POST
def invite_revoke(request: AuthedHttpRequest, slug: str, pk: int) -> HttpResponse:
    cohort = get_cohort_for(request.user, slug, CohortAction.VIEW)
    invite = get_invite_for(request.user, cohort, pk)
    invite.revoke()
    messages.success(request, "The link was revoked. Nobody else can join with it.")
    if not request.htmx:
        return redirect("member_list", slug=cohort.slug)
    return render(
        request, "portfolio/cohort_members.html#invites", _members_context(request, cohort)
    )


# Joining --------------------------------------------------------------------------------

JOIN_PROBLEMS = {
    InviteState.EXPIRED: (
        "This invite link has expired",
        "Invite links work for a limited time. Ask the organizer who sent it for a new one.",
    ),
    InviteState.REVOKED: (
        "This invite link was switched off",
        "The organizer revoked it. Ask them for a fresh link if you still need to join.",
    ),
    InviteState.USED_UP: (
        "This invite link has been used up",
        "It allowed a set number of people to join, and they have. Ask the organizer for another.",
    ),
    "archived": (
        "This cohort is archived",
        "Nobody can join an archived cohort. Ask the organizer if that is a mistake.",
    ),
}


@require_http_methods(["GET", "HEAD", "POST"])
def join(request: HtmxHttpRequest, token: str) -> HttpResponse:
    invite = Invite.objects.select_related("cohort").filter(token=token).first()
    if invite is None:
        return render(request, "portfolio/join.html", {"unknown": True}, status=404)
    cohort = invite.cohort
    context: dict[str, object] = {"invite": invite, "cohort": cohort}
    if not request.user.is_authenticated:
        if request.method == "POST":
            return redirect(f"{reverse('account_login')}?next={request.path}")
        problem = "archived" if cohort.archived else invite.state
        if problem != InviteState.ACTIVE:
            return _join_problem(request, context, problem)
        # If sign-up detours through email confirmation and `next` is lost, the
        # dashboard still offers the way back here.
        request.session[PENDING_INVITE] = invite.token
        return render(request, "portfolio/join.html", {**context, "next": request.path})

    existing = role_in(request.user, cohort)
    if existing is not None:
        request.session.pop(PENDING_INVITE, None)
        context["member_role"] = Role(existing).label
        return render(request, "portfolio/join.html", {**context, "already": True})
    if request.method == "POST":
        try:
            membership, created = invite.accept(request.user)
        except InviteUnusable as exc:
            return _join_problem(request, context, exc.state)
        request.session.pop(PENDING_INVITE, None)
        messages.success(
            request, f"Welcome to “{cohort.name}”! You joined as {membership.get_role_display()}."
        )
        return redirect(cohort)
    problem = "archived" if cohort.archived else invite.state
    if problem != InviteState.ACTIVE:
        return _join_problem(request, context, problem)
    return render(request, "portfolio/join.html", context)


def _join_problem(
    request: HtmxHttpRequest, context: dict[str, object], problem: str
) -> HttpResponse:
    title, advice = JOIN_PROBLEMS[problem]
    context = {**context, "problem": problem, "problem_title": title, "problem_advice": advice}
    return render(request, "portfolio/join.html", context, status=410)
