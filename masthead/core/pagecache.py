"""A full-page cache for anonymous readers that publishing empties at once.

Why not Django's per-site cache: it keys on cookies and headers we do not
control, it would happily store a paywalled page, and it cannot be emptied
when an editor publishes. Here a response is stored only when the view has
said, with `mark_shared_cacheable(response)`, that every anonymous reader gets
the same bytes. Anything else (a signed-in reader, a metered preview, a form
with a CSRF token, a Set-Cookie) never enters the shared cache.

Invalidation is a generation number that is part of every key. Publishing,
unpublishing, moving or deleting a page bumps it, so the next request misses.
With a shared cache (Redis) the number lives in the cache; with the embedded
local-memory cache each worker process has its own cache, so the number lives
in the modification time of a file that every process on the machine stats.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

SHARED_CACHEABLE_ATTR = "_masthead_shared_cacheable"
GENERATION_KEY = "pagecache:generation"
STORED_HEADERS = ("Content-Type", "Content-Language", "Link", "X-Robots-Tag")


def mark_shared_cacheable(response: HttpResponse) -> HttpResponse:
    """Declare that this response is identical for every anonymous reader."""
    setattr(response, SHARED_CACHEABLE_ATTR, True)
    return response


def _uses_local_cache() -> bool:
    return "LocMemCache" in settings.CACHES["default"]["BACKEND"]


def _generation_file() -> Path:
    return Path(settings.VAR_DIR) / "pagecache.generation"


def current_generation() -> str:
    if _uses_local_cache():
        try:
            return str(os.stat(_generation_file()).st_mtime_ns)
        except FileNotFoundError:
            return "0"
    return str(cache.get(GENERATION_KEY, 0))


def bump_generation() -> None:
    """Make every cached page stale, in every process."""
    if _uses_local_cache():
        path = _generation_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        # A fresh nanosecond timestamp: two bumps in one mtime tick still differ
        # from what was there before because utime sets the value explicitly.
        now = time.time_ns()
        try:
            before = os.stat(path).st_mtime_ns
        except FileNotFoundError:
            path.touch()
            before = 0
        os.utime(path, ns=(now, max(now, before + 1)))
        cache.clear()
    else:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:
            cache.set(GENERATION_KEY, 1, timeout=None)


def _is_anonymous(request: HttpRequest) -> bool:
    # A session cookie means the reader may be signed in or metered; such
    # requests always go to the view. Other cookies (csrftoken) do not matter.
    return settings.SESSION_COOKIE_NAME not in request.COOKIES


def _key(request: HttpRequest, generation: str) -> str:
    return f"pagecache:{generation}:{request.get_host()}:{request.get_full_path()}"


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.PAGE_CACHE_ENABLED or request.method not in ("GET", "HEAD") or not _is_anonymous(request):
            return self.get_response(request)

        generation = current_generation()
        key = _key(request, generation)
        stored = cache.get(key)
        if stored is not None:
            body, headers = stored
            response = HttpResponse(body if request.method == "GET" else b"")
            for name, value in headers:
                response[name] = value
            response["Content-Length"] = str(len(body))
            response["X-Cache"] = "HIT"
            return response

        response = self.get_response(request)
        if (
            getattr(response, SHARED_CACHEABLE_ATTR, False)
            and response.status_code == 200
            and not response.cookies
            and not getattr(response, "streaming", False)
        ):
            if "Cache-Control" not in response:
                response["Cache-Control"] = "public, max-age=60"
            headers = [(h, response[h]) for h in (*STORED_HEADERS, "Cache-Control") if h in response]
            cache.set(key, (response.content, headers), settings.PAGE_CACHE_SECONDS)
            response["X-Cache"] = "MISS"
        return response
