from __future__ import annotations

import logging

import pytest
from django_redis.cache import RedisCache

from portfolio.web import cache as resilient
from portfolio.web.cache import ResilientRedisCache

DEAD = "redis://127.0.0.1:9/0"


@pytest.fixture
def dead_cache(monkeypatch):
    monkeypatch.setattr(resilient, "_down_since", {})
    backend = ResilientRedisCache(
        DEAD, {"OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2}}
    )
    backend._local.clear()
    return backend


def test_an_unreachable_redis_is_a_logged_miss(dead_cache, caplog):
    with caplog.at_level(logging.ERROR, logger="nexus.cache"):
        assert dead_cache.get("page:1", "fallback") == "fallback"
        assert dead_cache.set("page:1", "html") is False
        assert dead_cache.get_many(["a", "b"]) == {}
        assert dead_cache.delete("page:1") is False
    assert "unreachable" in caplog.text


def test_it_waits_before_trying_a_dead_redis_again(dead_cache, monkeypatch):
    dead_cache.get("warm-up")
    calls = []
    monkeypatch.setattr(RedisCache, "get", lambda *a, **k: calls.append(a) or "value")
    assert dead_cache.get("page:1") is None
    assert calls == []


def test_caching_resumes_when_redis_answers_again(dead_cache, monkeypatch, caplog):
    dead_cache.get("warm-up")
    monkeypatch.setattr(resilient.time, "monotonic", lambda: 10**9)
    monkeypatch.setattr(RedisCache, "get", lambda *a, **k: "from redis")
    with caplog.at_level(logging.WARNING, logger="nexus.cache"):
        assert dead_cache.get("page:1") == "from redis"
    assert "caching resumed" in caplog.text
    assert resilient._down_since == {}


def test_rate_limit_counters_stay_on_in_process_memory(dead_cache):
    key = "allauth:rl:allauth.account:login_failed:5/300/key:abc"
    assert dead_cache.add(f"{key}:lock", True, timeout=10) is True
    assert dead_cache.add(f"{key}:lock", True, timeout=10) is False
    dead_cache.set(key, [1.0, 2.0], 300)
    assert dead_cache.get(key, []) == [1.0, 2.0]
    assert dead_cache.get("something-else") is None
