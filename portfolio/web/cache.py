from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted
from redis.commands.core import Script
from redis.exceptions import RedisError

logger = logging.getLogger("nexus.cache")

_UNREACHABLE = (ConnectionInterrupted, RedisError, OSError)
# When each Redis location last failed, shared by every thread of the process.
_down_since: dict[str, float] = {}
_lock = threading.Lock()


# django-redis ships no type information: to the type checker its RedisCache is Any,
# which strict mode refuses as a base class.
class ResilientRedisCache(RedisCache):  # type: ignore[misc]
    """django-redis that degrades instead of failing when Redis is unreachable.

    An operation that cannot reach Redis is logged and answered as a miss. After a
    failure Redis is left alone for RETRY_AFTER seconds, so a dead server costs one
    timeout rather than one per call; the first call after that tries again, so
    caching resumes by itself when Redis is back.

    Rate-limit counters (allauth's "allauth:rl:" keys and their locks) move to this
    process's memory meanwhile. allauth takes a lock with cache.add() before counting;
    if that always failed every login would answer 429, and if it always succeeded
    the limits would silently switch off. Counting per process keeps them on.
    """

    RETRY_AFTER = 5.0
    LOCAL_PREFIXES = ("allauth:rl:",)

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._location = server
        self._local = LocMemCache("nexus-redis-fallback", {"OPTIONS": {"MAX_ENTRIES": 10_000}})
        self._script: Script | None = None

    # -- plumbing -------------------------------------------------------------------

    def _is_down(self) -> bool:
        since = _down_since.get(self._location)
        return since is not None and time.monotonic() - since < self.RETRY_AFTER

    def _mark(self, error: BaseException | None) -> None:
        with _lock:
            if error is None:
                if _down_since.pop(self._location, None) is not None:
                    logger.warning("Redis at %s answers again; caching resumed", self._location)
            else:
                if self._location not in _down_since or not self._is_down():
                    logger.error("Redis at %s is unreachable: %s", self._location, error)
                _down_since[self._location] = time.monotonic()

    def _run(self, method: str, key: Any, miss: Any, *args: Any, **kwargs: Any) -> Any:
        local = isinstance(key, str) and key.startswith(self.LOCAL_PREFIXES)
        if self._is_down():
            return getattr(self._local, method)(key, *args, **kwargs) if local else miss
        try:
            result = getattr(super(), method)(key, *args, **kwargs)
        except _UNREACHABLE as error:
            self._mark(error)
            return getattr(self._local, method)(key, *args, **kwargs) if local else miss
        if self._location in _down_since:
            self._mark(None)
        return result

    # -- one round trip for generational keys -------------------------------------------

    _GENERATIONAL = (
        "local g = redis.call('GET', KEYS[1]) or '0' return {g, redis.call('GET', ARGV[1] .. g)}"
    )

    def get_generational(self, generation_key: str, key_stem: str) -> tuple[int, Any]:
        """Read a generation counter and the value stored under stem+generation in a
        single round trip (a small Lua script), so a cache hit costs one request."""
        if self._is_down():
            return 0, None
        try:
            client = self.client.get_client(write=False)
            if self._script is None:
                # EVALSHA: Redis runs its compiled copy instead of receiving and
                # hashing the script on every hit (redis-py loads it when missing).
                self._script = client.register_script(self._GENERATIONAL)
            generation, raw = self._script(
                keys=[self.make_and_validate_key(generation_key)],
                args=[self.make_and_validate_key(key_stem)],
                client=client,
            )
        except _UNREACHABLE as error:
            self._mark(error)
            return 0, None
        if self._location in _down_since:
            self._mark(None)
        value = None if raw is None else self.client.decode(raw)
        return int(generation), value

    # -- the cache API ----------------------------------------------------------------

    def get(self, key: Any, default: Any = None, version: int | None = None, **kw: Any) -> Any:
        return self._run("get", key, default, default, version=version, **kw)

    def set(self, key: Any, value: Any, *args: Any, **kwargs: Any) -> Any:
        return self._run("set", key, False, value, *args, **kwargs)

    def add(self, key: Any, value: Any, *args: Any, **kwargs: Any) -> Any:
        return self._run("add", key, False, value, *args, **kwargs)

    def delete(self, key: Any, *args: Any, **kwargs: Any) -> Any:
        return self._run("delete", key, False, *args, **kwargs)

    def touch(self, key: Any, *args: Any, **kwargs: Any) -> Any:
        return self._run("touch", key, False, *args, **kwargs)

    def has_key(self, key: Any, *args: Any, **kwargs: Any) -> Any:
        return self._run("has_key", key, False, *args, **kwargs)

    def incr(self, key: Any, *args: Any, **kwargs: Any) -> Any:
        return self._run("incr", key, None, *args, **kwargs)

    def get_many(self, keys: Any, *args: Any, **kwargs: Any) -> Any:
        return self._run("get_many", keys, {}, *args, **kwargs)

    def set_many(self, data: Any, *args: Any, **kwargs: Any) -> Any:
        return self._run("set_many", data, list(data), *args, **kwargs)

    def delete_many(self, keys: Any, *args: Any, **kwargs: Any) -> Any:
        return self._run("delete_many", keys, None, *args, **kwargs)

    def clear(self) -> Any:
        self._local.clear()
        if self._is_down():
            return False
        try:
            result = super().clear()
        except _UNREACHABLE as error:
            self._mark(error)
            return False
        if self._location in _down_since:
            self._mark(None)
        return result
