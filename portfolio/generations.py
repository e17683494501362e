"""Generations: a counter per subject (an author, a cohort). Cached copies are stored
under keys that end with the generation current when they were computed; moving the
generation on makes every one of them unreachable at once, and they expire unread.

The model layer decides *what* changed (portfolio.signals calls `bump_authors`); the
web layer (portfolio.web.pagecache) reads generations to find its copies. Neither
imports the other.
"""

from __future__ import annotations

import secrets

from django.core.cache import cache
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

# Keys waiting for the current transaction to commit, on its connection.
_PENDING = "nexus_pending_generations"


def fresh_generation() -> int:
    # Random, not 1: an evicted counter must never bring back entries of an old life.
    return secrets.randbelow(2**40) + 1


def current_generation(key: str) -> int:
    """The generation under `key`, made if there is none; 0 when the cache is down."""
    cache.add(key, fresh_generation(), None)
    return int(cache.get(key) or 0)


def _flush(connection: BaseDatabaseWrapper) -> None:
    keys = connection.__dict__.pop(_PENDING, set())
    for key in sorted(keys):
        try:
            cache.incr(key)
        except ValueError:  # never existed, or evicted
            cache.set(key, fresh_generation(), None)


def advance_generations(*keys: str) -> None:
    """Move these generations on once the current transaction commits, each once
    however many changes in the transaction asked for it."""
    if not keys:
        return
    connection = transaction.get_connection()
    connection.__dict__.setdefault(_PENDING, set()).update(keys)
    # The first callback to run takes every pending key; the others find none. Keys
    # of a transaction that rolled back go with the next commit: a harmless extra miss.
    transaction.on_commit(lambda: _flush(connection))


def author_key(username: str) -> str:
    return f"gen:author:{username.lower()}"


def bump_authors(*usernames: str) -> None:
    """Every cached response about these authors (their public pages and profile) is
    stale once the change commits."""
    advance_generations(*(author_key(name) for name in usernames if name))
