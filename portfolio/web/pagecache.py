"""Whole-response caching of public pages and profiles for anonymous visitors.

Design: every author has a *generation* counter in the cache. A cached response is
stored under a key that ends with the generation current when it was rendered, and
anything that changes what an author's public responses show (their pages, sections,
tags, status, visibility, their profile, their cohort's name) increments that counter
after the transaction commits. The next request reads the new generation and misses,
so every edit is visible at once; old entries are never read again and expire.

A hit reads the generation and the entry in one round trip (a Lua script in
portfolio.web.cache) and touches no database. The generation is read *before* the page is
rendered, so a render that raced an edit is stored under the old generation, where
nobody looks any more.

Only requests without a session or a message cookie are served or stored, only 200s
are stored, and a stored response carries no CSRF token and no CSP nonce (the
templates leave both out for cacheable requests), so nothing of one user reaches
another. Signed-in users always get a fresh, private response.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Concatenate, Protocol, TypedDict, cast

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control, patch_vary_headers

from portfolio.generations import author_key, current_generation

logger = logging.getLogger("nexus.cache")

TTL = 60 * 10
BROWSER_MAX_AGE = 60
STATS: dict[str, int] = {"hits": 0, "misses": 0, "stores": 0, "bypass": 0, "errors": 0}
_stats_lock = threading.Lock()


def _count(name: str) -> None:
    with _stats_lock:
        STATS[name] += 1


def cacheable(request: HttpRequest) -> bool:
    return (
        request.method in {"GET", "HEAD"}
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and not request.GET
    )


class Entry(TypedDict):
    """A stored response."""

    body: bytes
    etag: str
    headers: list[tuple[str, str]]


class MarkedRequest(HttpRequest):
    """The marks the cache puts on a request: the middleware's on one it may store (the
    key stem and generation), the view's on one it renders to be shared (read by the
    templates, which then leave out per-response secrets)."""

    nexus_page_cache: tuple[str, int]
    nexus_shared_response: bool


class StoredResponse(HttpResponse):
    """A fresh response that the view prepared for storing: its body and ETag."""

    nexus_store: tuple[bytes, str]


class PublicView[R: HttpRequest, **P](Protocol):
    """A view marked with the kind of page it shows, which _cacheable_target reads."""

    public_cache_kind: str

    def __call__(
        self, request: R, username: str, /, *args: P.args, **kwargs: P.kwargs
    ) -> HttpResponse: ...


def _lookup(username: str, stem: str) -> tuple[int, Entry | None]:
    reader = getattr(cache, "get_generational", None)
    if reader is not None:
        found: tuple[int, Entry | None] = reader(author_key(username), stem)
        return found
    generation = cache.get(author_key(username)) or 0
    return int(generation), cache.get(f"{stem}{generation}")


def _etag(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def _from_entry(request: HttpRequest, entry: Entry) -> HttpResponse:
    if request.headers.get("If-None-Match") == entry["etag"]:
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(entry["body"])
        # CommonMiddleware, which would set it, is below us: without it servers chunk.
        response["Content-Length"] = str(len(entry["body"]))
    for name, value in entry["headers"]:
        response.headers[name] = value
    response["ETag"] = entry["etag"]
    return response


def _public_headers(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, public=True, max_age=BROWSER_MAX_AGE)
    patch_vary_headers(response, ["HX-Request", "Cookie"])
    return response


def _stem(kind: str, username: str, parts: str, request: HttpRequest) -> str:
    htmx = "1" if request.headers.get("HX-Request") == "true" else "0"
    return f"view:{kind}:{username.lower()}:{parts}:{htmx}:"


# Headers a stored response must not replay: per-response or per-connection ones.
_UNSTORED = {"set-cookie", "date", "x-cache", "etag", "content-length"}


@lru_cache(maxsize=4096)
def _cacheable_target(path: str) -> tuple[str, str, str] | None:
    """(kind, username, key parts) when a cacheable view answers this path. Resolving
    walks every URL pattern (~170 µs, a third of a hit); popular paths repeat."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    kind = getattr(match.func, "public_cache_kind", None)
    if kind is None:
        return None
    kwargs = dict(match.kwargs)
    username = kwargs.pop("username")
    return kind, username, ":".join(str(value) for value in kwargs.values())


@receiver(setting_changed)
def _forget_targets(setting: str, **kwargs: object) -> None:
    if setting == "ROOT_URLCONF":
        _cacheable_target.cache_clear()


class PublicPageCacheMiddleware:
    """Answer cache hits before the rest of the stack runs.

    It sits just inside WhiteNoise, so a hit skips sessions, CSRF, authentication,
    messages, htmx and the view: one Redis round trip, no database. On a miss it stores
    the response as the inner middleware left it (content type, CSP, frame and Vary
    headers included); the security middleware outside it adds its headers to hits
    and misses alike.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not cacheable(request) or not request.path_info.startswith("/@"):
            return self.get_response(request)
        target = _cacheable_target(request.path_info)
        if target is None:
            return self.get_response(request)
        kind, username, parts = target
        stem = _stem(kind, username, parts, request)
        generation, entry = _lookup(username, stem)
        if entry is not None:
            _count("hits")
            response = _from_entry(request, entry)
            response["X-Cache"] = "hit"
            return response
        _count("misses")
        mark = (stem, generation or current_generation(author_key(username)))
        cast(MarkedRequest, request).nexus_page_cache = mark
        response = self.get_response(request)
        store: tuple[bytes, str] | None = getattr(response, "nexus_store", None)
        if store is None:
            return response
        body, etag = store
        entry = {
            "body": body,
            "etag": etag,
            "headers": [
                (name, value)
                for name, value in response.headers.items()
                if name.lower() not in _UNSTORED
            ],
        }
        stem, generation = mark
        if generation:
            # django-redis answers whether it stored the entry; BaseCache's stub says None.
            stored = cache.set(f"{stem}{generation}", entry, TTL)  # type: ignore[func-returns-value]
            _count("errors" if stored is False else "stores")
        else:
            _count("errors")
        if request.headers.get("If-None-Match") == etag:
            response = _from_entry(request, entry)
            response["X-Cache"] = "miss"
        return response


def public_cache[R: HttpRequest, **P](
    kind: str,
) -> Callable[[Callable[Concatenate[R, str, P], HttpResponse]], PublicView[R, P]]:
    """Mark a view whose anonymous GETs PublicPageCacheMiddleware serves from the
    cache, and prepare its fresh responses for storing; see the module docstring."""

    def decorator(view: Callable[Concatenate[R, str, P], HttpResponse]) -> PublicView[R, P]:
        @wraps(view)
        def wrapped(request: R, username: str, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            if not cacheable(request) or not hasattr(request, "nexus_page_cache"):
                _count("bypass")
                response = view(request, username, *args, **kwargs)
                patch_cache_control(response, private=True, no_cache=True)
                patch_vary_headers(response, ["HX-Request", "Cookie"])
                return response
            # Tell the templates to leave out per-response secrets (CSP nonce).
            cast(MarkedRequest, request).nexus_shared_response = True
            response = view(request, username, *args, **kwargs)
            if response.status_code != 200 or response.cookies or response.streaming:
                patch_vary_headers(response, ["HX-Request", "Cookie"])
                return response
            body = response.content
            etag = _etag(body)
            cast(StoredResponse, response).nexus_store = (body, etag)
            response["ETag"] = etag
            response["X-Cache"] = "miss"
            return _public_headers(response)

        marked = cast("PublicView[R, P]", wrapped)
        marked.public_cache_kind = kind
        return marked

    return decorator
