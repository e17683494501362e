from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import resolve_url
from django_htmx.http import trigger_client_event
from django_htmx.middleware import HtmxDetails

from portfolio.views.core import bad_request


class HtmxMessagesMiddleware:
    """Hand Django messages to htmx requests as an HX-Trigger event.

    A full page shows messages from the template; a swapped fragment has no place for
    them, so they travel in the `nexus:messages` event and nexus.js turns them into
    toasts. Redirect-like responses keep them for the page that follows.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        htmx: HtmxDetails | None = getattr(request, "htmx", None)
        if not htmx or htmx.boosted:
            return response
        if 300 <= response.status_code < 400 or "HX-Redirect" in response:
            return response
        if "HX-Location" in response or "HX-Refresh" in response:
            return response
        items = [
            {"level": message.level_tag, "text": str(message)}
            for message in messages.get_messages(request)
        ]
        if items:
            trigger_client_event(response, "nexus:messages", {"messages": items})
        return response


class PermissionsPolicyMiddleware:
    """Switch off browser features Nexus never uses (camera, microphone, location…),
    and keep other sites from embedding our responses (Cross-Origin-Resource-Policy):
    the two security headers Django has no setting for."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.value = ", ".join(f"{feature}=()" for feature in settings.PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.value)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


class RequestLimitsMiddleware:
    """Read a form's body before anything else does, and answer "too large" (413) or
    "too many fields" with Nexus's own page or toast. Left to Django, the error surfaces
    in whatever reads the body first (the CSRF check), and with DEBUG on it is shown as
    the debug page instead of the message people need."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST":
            try:
                request.POST  # noqa: B018 - reading it is the point
            except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent) as error:
                return bad_request(request, error)
        return self.get_response(request)


class SignedOutMiddleware:
    """A script's request that meets an ended session gets 401, not the login page.

    `login_required` answers a signed-out request with a redirect to the login page;
    htmx and fetch follow it and would put the login page where a section was, and the
    script would lose track of the text it sent. For htmx and JSON requests the
    redirect becomes a 401 that says where to sign in (and HX-Trigger
    `nexus:signedOut`): the page keeps the text and asks the person to sign in.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 302 or not scripted(request):
            return response
        location = response.get("Location", "")
        if urlsplit(location).path != resolve_url(settings.LOGIN_URL):
            return response
        answer = JsonResponse(
            {
                "error": "signed_out",
                "detail": "Your session has ended. Sign in again.",
                "login": location,
            },
            status=401,
        )
        trigger_client_event(answer, "nexus:signedOut", {"login": location})
        return answer


def scripted(request: HttpRequest) -> bool:
    """The request came from a script (htmx or fetch asking for JSON), not a page load."""
    htmx: HtmxDetails | None = getattr(request, "htmx", None)
    if htmx and not htmx.boosted:
        return True
    return "application/json" in request.headers.get("Accept", "")
