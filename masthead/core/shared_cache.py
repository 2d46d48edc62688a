"""When the shared cache (Redis) does not answer.

Redis holds copies and counters, never the only record: cached pages and page shells, cache-tag
versions, sessions' cached copies (the rows are in the database: `cached_db`), throttle counts and
spent one-time links. So while it is down or restarting:

- the cache answers "nothing there" (django-redis' IGNORE_EXCEPTIONS, settings.py), so Wagtail's and
  Django's own cache reads fall through to the database;
- page caching steps aside: every lookup misses and nothing is stored (masthead/core/cachetags.py,
  pagestore.py), so readers get pages rendered from the database, slower but current;
- sessions are read from the database (Django's cached_db does that when the cache raises);
- what cannot be done safely without it — a throttled sign-in, spending a one-time link — is refused
  with 503 and Retry-After by `SharedCacheDownMiddleware`, never a 500 and never done unthrottled.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.html import escape

log = logging.getLogger("masthead.core.shared_cache")


def unreachable() -> tuple[type[BaseException], ...]:
    """The exceptions that mean "Redis did not answer" (not "Redis said no"), for an `except` clause.

    Redis's own are included once a Redis client is loaded; a process that never talks to Redis (the
    embedded default) does not import it for this (6 MiB per process, measured 2026-12-03). Evaluated when an exception is
    being matched, after whatever raised it was imported.
    """
    if "django_redis" not in sys.modules:
        return _BUILTIN
    from django_redis.exceptions import ConnectionInterrupted
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return (*_BUILTIN, ConnectionInterrupted, RedisConnectionError, RedisTimeoutError)


_BUILTIN: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError)

# One warning per process every this many seconds: at a few hundred requests a second an outage
# would otherwise write a line per request.
_WARN_EVERY = 10.0
_warned_at = 0.0
_warn_lock = threading.Lock()


def warn(what: str, exc: BaseException | None) -> None:
    global _warned_at
    now = time.monotonic()
    with _warn_lock:
        if now - _warned_at < _WARN_EVERY:
            return
        _warned_at = now
    log.warning("shared cache unreachable (%s): %s; serving without it", what, exc or "no answer")


RETRY_AFTER_SECONDS = 30


class SharedCacheDownMiddleware:
    """A view that needed Redis while it was unreachable answers 503 with Retry-After instead of a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, unreachable()):
            return None
        log.error("shared cache unreachable during %s %s: %s", request.method, escape(request.path), exception)
        response = HttpResponse(
            "<!doctype html><html lang=en><meta charset=utf-8><title>Try again in a moment</title>"
            "<h1>Try again in a moment</h1><p>We could not do that just now. Nothing was changed; "
            "please try again in a minute.</p></html>",
            status=503,
            content_type="text/html; charset=utf-8",
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "private, no-store"
        return response
