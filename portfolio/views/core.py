from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe
from django_htmx.http import trigger_client_event

from portfolio.dashboards import QUIET_DAYS, learner_dashboard, mentor_home, organizer_home
from portfolio.http import HtmxHttpRequest
from portfolio.models import Membership, Role
from portfolio.views.cohorts import pending_invite
from portfolio.web import health, pagecache


@require_safe
def home(request: HtmxHttpRequest) -> HttpResponse:
    """What is waiting on me: per role, for everyone signed in (a mentor in one cohort
    may be a learner in another)."""
    if not request.user.is_authenticated:
        return render(request, "portfolio/landing.html")
    user = request.user
    memberships = list(
        Membership.objects.filter(user=user)
        .select_related("cohort")
        .annotate(people=Count("cohort__memberships"))
        .order_by("cohort__archived_at", "-cohort__starts_on", "cohort__name")
    )
    live = [m for m in memberships if not m.cohort.archived]
    reviewing = [m.cohort for m in live if m.role in {Role.MENTOR, Role.ORGANIZER}]
    organizing = [m.cohort for m in live if m.role == Role.ORGANIZER]
    learning = any(m.role == Role.LEARNER for m in live) or not reviewing
    context: dict[str, object] = {
        "memberships": memberships,
        "pending_invite": pending_invite(request),
        "learning": learning,
        **(learner_dashboard(user) if learning else {}),
        **mentor_home(user, reviewing),
        "organizer_homes": organizer_home(organizing),
        "quiet_days": QUIET_DAYS,
    }
    return render(request, "portfolio/dashboard.html", context)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {
        "database": "ok" if health.database_answers() else "unavailable",
        "cache": "ok" if health.cache_answers() else "unavailable",
    }
    healthy = all(value == "ok" for value in checks.values())
    body: dict[str, object] = {"status": "ok" if healthy else "unavailable", **checks}
    if request.GET.get("detail") and request.user.is_authenticated and request.user.is_staff:
        # This process's page-cache counters, for staff only.
        body["page_cache"] = dict(pagecache.STATS)
    return JsonResponse(body, status=200 if healthy else 503)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else ""
    return render(request, "403.html", {"message": message}, status=403)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A request Django refused to read. Too large a body (or too many fields) is a 413
    that says what the limit is; anything else a plain 400. HTMX gets a one-line
    fragment and the message as a toast, since nothing is swapped on an error."""
    if isinstance(exception, RequestDataTooBig):
        status = 413
        limit = filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        message = (
            f"That was more than Nexus takes in one go (the limit is {limit}), so nothing "
            "was saved. Shorten the text or split it across sections, then send it again."
        )
    elif isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        status = 413
        message = "That form sent more fields or files than Nexus accepts, so nothing was saved."
    else:
        status = 400
        message = "Nexus could not read what your browser sent, so nothing was saved."
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse(
            format_html('<p class="form-errors" role="alert">{}</p>', message), status=status
        )
        return trigger_client_event(
            response, "nexus:messages", {"messages": [{"level": "error", "text": message}]}
        )
    return render(request, "400.html", {"status": status, "message": message}, status=status)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No request context: the database or the session may be what failed.
    return HttpResponseServerError(loader.render_to_string("500.html"))


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /accounts/",
        "Disallow: /admin/",
        "Disallow: /cohorts/",
        "Disallow: /join/",
        "Disallow: /notifications/",
        "Disallow: /pages/",
        f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
