from __future__ import annotations

from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def timedelta_human(value: timedelta | None) -> str:
    """3 days, 5 hours, 12 minutes: the largest unit that fits."""
    if value is None:
        return ""
    seconds = max(0, int(value.total_seconds()))
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return "less than a minute"
