"""Counters every web worker process shares: throttles and one-time tokens.

A counter is a key, a count and an expiry. `hit(key, window)` adds one and
returns the new count in a single atomic step, starting again at 1 once the
previous window has ended; `claim(key, ttl)` is "the first hit wins", which is
how a one-time token is spent exactly once however many requests race for it.

Where the counts live follows the deployment: Redis when the default cache is
Redis (REDIS_URL), else the database (the SharedCounter table). Never a
process's memory: with several workers, each would count on its own and a
limit of 5 would let 5 tries through per worker.

The database path is one `INSERT ... ON CONFLICT DO UPDATE ... RETURNING`
statement (SQLite 3.35+ and PostgreSQL alike), so the row is created or
incremented and its new value read under one row lock. Django's DatabaseCache
cannot do this: its incr() is a get followed by a set (see docs/architecture.md).
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import F
from django.utils import timezone

from masthead.core.models import SharedCounter

_REDIS_PREFIX = "masthead:counter:"
# INCR, then give the key its window if it has none yet (a new key, or one
# recreated after expiry): one script, so no request sees a key without expiry.
_REDIS_HIT = """
local n = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
"""
# DECR only a live key: DECR on a missing key would create one at -1 with no expiry.
_REDIS_UNDO = """
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end
return 0
"""
# Expired rows are deleted now and then rather than on every hit.
_CULL_CHANCE = 0.01


def _redis() -> Any | None:
    if str(settings.CACHES["default"]["BACKEND"]).startswith("django_redis"):
        from django_redis import get_redis_connection

        return get_redis_connection("default")
    return None


def hit(key: str, window: timedelta) -> int:
    """Count one more under `key` and return the count in the current window (1 for the first)."""
    redis = _redis()
    if redis is not None:
        return int(redis.eval(_REDIS_HIT, 1, _REDIS_PREFIX + key, int(window.total_seconds() * 1000)))
    now = timezone.now()
    table = connection.ops.quote_name(SharedCounter._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    sql = (
        f"INSERT INTO {table} (key, count, expires_at) VALUES (%s, 1, %s) "  # noqa: S608 - the table name is ours
        f"ON CONFLICT (key) DO UPDATE SET "
        f"count = CASE WHEN {table}.expires_at <= %s THEN 1 ELSE {table}.count + 1 END, "
        f"expires_at = CASE WHEN {table}.expires_at <= %s THEN excluded.expires_at ELSE {table}.expires_at END "
        f"RETURNING count"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [key, adapt(now + window), adapt(now), adapt(now)])
        row = cursor.fetchone()
    if random.random() < _CULL_CHANCE:
        SharedCounter.objects.filter(expires_at__lte=now).delete()
    return int(row[0])


def claim(key: str, ttl: timedelta) -> bool:
    """True for exactly one caller per `key` until `ttl` has passed, across every process."""
    return hit(key, ttl) == 1


def undo(key: str) -> None:
    """Take back one hit (an attempt that turned out not to count)."""
    redis = _redis()
    if redis is not None:
        redis.eval(_REDIS_UNDO, 1, _REDIS_PREFIX + key)
        return
    SharedCounter.objects.filter(key=key, expires_at__gt=timezone.now(), count__gt=0).update(count=F("count") - 1)


def reset(key: str) -> None:
    """Forget the count under `key`."""
    redis = _redis()
    if redis is not None:
        redis.delete(_REDIS_PREFIX + key)
        return
    SharedCounter.objects.filter(key=key).delete()


def current(key: str) -> int:
    """The count under `key` now (0 when it has expired); for tests and staff tools, not for deciding."""
    redis = _redis()
    if redis is not None:
        return int(redis.get(_REDIS_PREFIX + key) or 0)
    row = SharedCounter.objects.filter(key=key, expires_at__gt=timezone.now()).values_list("count", flat=True).first()
    return int(row or 0)


def clear() -> None:
    """Forget every count (tests)."""
    redis = _redis()
    if redis is not None:
        keys = list(redis.scan_iter(match=_REDIS_PREFIX + "*"))
        if keys:
            redis.delete(*keys)
        return
    SharedCounter.objects.all().delete()
