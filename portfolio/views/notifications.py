from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from portfolio.forms import PreferencesForm
from portfolio.http import AuthedHttpRequest, HtmxHttpRequest
from portfolio.models import Delivery, EmailPreference, NotificationKind
from portfolio.notifications import unsubscribe_user

PAGE_SIZE = 30


@login_required
@require_safe
def notification_list(request: AuthedHttpRequest) -> HttpResponse:
    notifications = request.user.notifications.select_related("actor")
    listing = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portfolio/notifications.html", {"notifications": listing})


@login_required
@require_POST
def notification_open(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    notification = request.user.notifications.filter(pk=pk).first()
    if notification is None:
        raise Http404("No such notification.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    if request.POST.get("stay"):
        return redirect("notification_list")
    if not url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None):
        return redirect("notification_list")
    return redirect(notification.url)


@login_required
@require_POST
def notification_read_all(request: AuthedHttpRequest) -> HttpResponse:
    count = request.user.notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} read.")
    return redirect("notification_list")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def notification_settings(request: AuthedHttpRequest) -> HttpResponse:
    current = dict(request.user.email_preferences.values_list("kind", "delivery"))
    form = PreferencesForm(request.POST or None, current=current)
    if request.method == "POST":
        if form.is_valid():
            for kind, delivery in form.cleaned_data.items():
                EmailPreference.objects.update_or_create(
                    user=request.user, kind=kind, defaults={"delivery": delivery}
                )
            messages.success(request, "Email preferences saved.")
            return redirect("notification_settings")
        return render(request, "portfolio/notification_settings.html", {"form": form}, status=422)
    return render(request, "portfolio/notification_settings.html", {"form": form})


@require_http_methods(["GET", "HEAD", "POST"])
def notifications_unsubscribe(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """One click from an email, no login needed; a POST so link scanners change nothing."""
    user = unsubscribe_user(token)
    if user is None:
        return render(request, "portfolio/unsubscribe.html", {"invalid": True}, status=404)
    if request.method == "POST":
        for kind in NotificationKind.values:
            EmailPreference.objects.update_or_create(
                user=user, kind=kind, defaults={"delivery": Delivery.OFF}
            )
        return render(request, "portfolio/unsubscribe.html", {"done": True, "person": user})
    return render(request, "portfolio/unsubscribe.html", {"person": user, "token": token})
