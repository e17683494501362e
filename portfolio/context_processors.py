from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def notifications(request: HttpRequest) -> dict:
    """The site's base URL for canonical links, and the unread count for the bell in
    the header (one indexed count query, for signed-in users only)."""
    context = {"site_url": settings.SITE_URL}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["unread_notifications"] = user.notifications.filter(read_at__isnull=True).count()
    return context
