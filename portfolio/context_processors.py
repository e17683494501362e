from __future__ import annotations

import functools

from django.conf import settings
from django.http import HttpRequest

from portfolio.models import Viewer


def notifications(request: HttpRequest) -> dict[str, object]:
    """The site's base URL for canonical links, and the unread count for the bell in
    the header: one indexed count query, for signed-in users, made only when a template
    shows it (an htmx fragment has no header, so it costs nothing there)."""
    context: dict[str, object] = {"site_url": settings.SITE_URL}
    # None on a request that failed before AuthenticationMiddleware ran (an error page).
    user: Viewer = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        # A template calls it when it reads the name, once per request at most.
        context["unread_notifications"] = functools.cache(
            lambda: user.notifications.filter(read_at__isnull=True).count()
        )
    return context
