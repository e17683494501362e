from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from portfolio.models import User


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


class AuthedHttpRequest(HtmxHttpRequest):
    """A request that @login_required let through: its user is signed in."""

    user: User


# Ids fit a 64-bit column; anything longer is no id. ASCII only: "²".isdigit() is true.
_MAX_ID_DIGITS = 18


def parse_id(value: str | None) -> int | None:
    """A positive id from a query parameter or form field, or None."""
    if not value or len(value) > _MAX_ID_DIGITS or not (value.isascii() and value.isdigit()):
        return None
    return int(value) or None
