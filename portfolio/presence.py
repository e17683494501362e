"""Who is editing which section, right now: open editors report in every ~20 seconds
and the reports live in the cache for a minute. No table and no WebSocket: when the
cache is down (portfolio.web.cache turns its errors into misses) nobody is shown as
editing, and nothing else changes.

Each open editor has a token of its own (made by the page's script), so the same
person in two windows is two editors: each window is told about the other.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.cache import cache

from portfolio.models import User, Viewer

# How often an open editor reports in (the script reads it from the page), and how
# long a report counts: three missed reports and the editor is gone.
HEARTBEAT_SECONDS = 20
FRESH_SECONDS = 60
# Editor tokens are the script's: short, and bounded so a forged one costs nothing.
MAX_TOKEN = 40
# A section's open editors, bounded: the oldest report goes first.
MAX_EDITORS = 20


@dataclass(frozen=True)
class Editor:
    user_id: int
    name: str
    token: str


def _key(section_pk: int) -> str:
    return f"editing:section:{section_pk}"


# token -> (user id, name, expiry as a Unix time)
Entries = dict[str, tuple[int, str, float]]


def _fresh(entries: Entries, now: float) -> Entries:
    return {token: entry for token, entry in entries.items() if entry[2] > now}


def report(section_pk: int, user: User, token: str) -> list[Editor]:
    """Note that this editor is open; answer with the section's *other* open editors.

    A read and a write of one cache key: two editors reporting at the same instant can
    drop one report, which the next report (20 s later) puts back."""
    token = token[:MAX_TOKEN]
    now = time.time()
    entries: Entries = _fresh(cache.get(_key(section_pk)) or {}, now)
    if token:
        entries[token] = (user.pk, user.name, now + FRESH_SECONDS)
        if len(entries) > MAX_EDITORS:
            entries = dict(sorted(entries.items(), key=lambda item: item[1][2])[-MAX_EDITORS:])
        cache.set(_key(section_pk), entries, FRESH_SECONDS)
    return [Editor(entry[0], entry[1], other) for other, entry in entries.items() if other != token]


def leave(section_pk: int, token: str) -> None:
    """The editor went away (saved, cancelled, its page unloaded): forget its report at
    once, so nobody is told about an editor that is gone."""
    entries: Entries = cache.get(_key(section_pk)) or {}
    if token[:MAX_TOKEN] in entries:
        del entries[token[:MAX_TOKEN]]
        cache.set(_key(section_pk), entries, FRESH_SECONDS)


# How long a finished editor's late drafts are refused: longer than any request lives.
CLOSED_SECONDS = 10 * 60


def _closed_key(token: str) -> str:
    return f"editor-closed:{token[:MAX_TOKEN]}"


def close(token: str) -> None:
    """The editor's text was saved or thrown away: a draft it sent just before, still on
    its way, must not come back as "unsaved changes" after it."""
    if token:
        cache.set(_closed_key(token), True, CLOSED_SECONDS)


def is_closed(token: str) -> bool:
    return bool(token) and bool(cache.get(_closed_key(token)))


def editing(section_pks: Iterable[int]) -> dict[int, list[Editor]]:
    """The open editors of these sections, in one cache round trip."""
    keys = {_key(pk): pk for pk in section_pks}
    if not keys:
        return {}
    now = time.time()
    found: dict[str, Entries] = cache.get_many(list(keys))
    return {
        keys[key]: [
            Editor(entry[0], entry[1], token) for token, entry in _fresh(entries, now).items()
        ]
        for key, entries in found.items()
        if entries
    }


def describe(editors: list[Editor], viewer: Viewer, *, in_editor: bool = False) -> str:
    """What a person is told: "Amina is editing this section", or, in an editor, about
    their own other window. Empty when nobody else is editing. Reading the page, their
    own editors are not news (they may be the window they just left)."""
    me = viewer.pk if viewer is not None else None
    others = sorted({editor.name for editor in editors if editor.user_id != me})
    mine = any(editor.user_id == me for editor in editors)
    if others:
        names = others[0] if len(others) == 1 else f"{', '.join(others[:-1])} and {others[-1]}"
        verb = "is" if len(others) == 1 else "are"
        return f"{names} {verb} editing this section."
    if mine and in_editor:
        return "You are also editing this section in another window: save one of them first."
    return ""
