from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import connection

logger = logging.getLogger("nexus.health")


def database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            row: tuple[object, ...] | None = cursor.fetchone()
            return row == (1,)
    except Exception as error:
        # One line per failed check: an outage should not flood the log with tracebacks.
        logger.warning("database did not answer the health check: %s", error)
        return False


def cache_answers() -> bool:
    """Ask the cache server itself: django-redis swallows errors on ordinary calls."""
    try:
        client = getattr(cache, "client", None)
        if client is not None and hasattr(client, "get_client"):
            return bool(client.get_client(write=True).ping())
        cache.set("healthz:probe", "1", 5)
        probe: object = cache.get("healthz:probe")
        return probe == "1"
    except Exception as error:
        logger.warning("cache did not answer the health check: %s", error)
        return False
