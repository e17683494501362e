from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


# Ids fit a 64-bit column; anything longer is no id. ASCII only: "²".isdigit() is true.
_MAX_ID_DIGITS = 18


def parse_id(value: str | None) -> int | None:
    """A positive id from a query parameter or form field, or None."""
    if not value or len(value) > _MAX_ID_DIGITS or not (value.isascii() and value.isdigit()):
        return None
    return int(value) or None
