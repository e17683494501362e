from __future__ import annotations

from django.http import HttpRequest


def notifications(request: HttpRequest) -> dict:
    """The unread count for the bell in the header: one indexed count query."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": user.notifications.filter(read_at__isnull=True).count()}
