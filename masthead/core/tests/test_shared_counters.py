"""Shared counters count exactly, in the database and in Redis, however many threads hit one key at once."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connections
from django.utils import timezone
from freezegun import freeze_time

from masthead.core import counters

WINDOW = timedelta(minutes=15)


@pytest.fixture(params=["database", "redis"])
def store(request: Any, settings: Any) -> str:
    if request.param == "redis":
        url = request.getfixturevalue("redis_server")
        settings.CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": url, "KEY_PREFIX": "t"}}
        counters.clear()
        cache.clear()
    return str(request.param)


def test_hits_count_up_and_undo_and_reset_take_back(db: Any, store: str) -> None:
    assert [counters.hit("k", WINDOW) for _ in range(3)] == [1, 2, 3]
    counters.undo("k")
    assert counters.current("k") == 2
    counters.reset("k")
    assert counters.current("k") == 0
    counters.undo("never-hit")
    assert counters.current("never-hit") == 0 and counters.hit("never-hit", WINDOW) == 1


def test_a_claim_is_won_once(db: Any, store: str) -> None:
    assert counters.claim("token-1", WINDOW) is True
    assert counters.claim("token-1", WINDOW) is False
    assert counters.claim("token-2", WINDOW) is True


def test_a_new_window_starts_from_one(db: Any) -> None:
    start = timezone.now()
    with freeze_time(start):
        counters.hit("k", WINDOW)
        counters.hit("k", WINDOW)
    with freeze_time(start + WINDOW - timedelta(seconds=1)):
        assert counters.hit("k", WINDOW) == 3
    with freeze_time(start + WINDOW + timedelta(seconds=1)):
        assert counters.current("k") == 0
        assert counters.hit("k", WINDOW) == 1
        assert counters.hit("k", WINDOW) == 2


def test_a_redis_counter_expires_with_its_window(db: Any, redis_server: str, settings: Any) -> None:
    from django_redis import get_redis_connection

    settings.CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": redis_server, "KEY_PREFIX": "t"}}
    counters.hit("k", WINDOW)
    ttl_ms = get_redis_connection("default").pttl("masthead:counter:k")
    assert 0 < ttl_ms <= WINDOW.total_seconds() * 1000


@pytest.mark.django_db(transaction=True)
def test_twenty_threads_at_once_each_get_their_own_number(store: str) -> None:
    threads, per_thread = 20, 5
    barrier = threading.Barrier(threads, timeout=60)
    seen: list[int] = []
    lock = threading.Lock()

    def work() -> None:
        try:
            barrier.wait()
            mine = [counters.hit("race", WINDOW) for _ in range(per_thread)]
            with lock:
                seen.extend(mine)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    # A lost update would show as a number handed out twice and a final count short of 100.
    assert sorted(seen) == list(range(1, threads * per_thread + 1))
    assert counters.current("race") == threads * per_thread
