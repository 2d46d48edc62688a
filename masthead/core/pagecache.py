"""A full-page cache for anonymous readers that publishing empties at once.

Why not Django's per-site cache: it keys on cookies and headers we do not
control, it would happily store a paywalled page, and it cannot be emptied
when an editor publishes. Here a response is stored only when the view has
said, with `mark_shared_cacheable(response)`, that every anonymous reader gets
the same bytes. Anything else (a signed-in reader, a metered preview, a form
with a CSRF token, a Set-Cookie, a private Cache-Control, a Vary on anything
but Cookie) never enters the shared cache.

Invalidation is a generation stored beside every page: a page is served only
while the current generation equals the one it was stored under. Publishing,
unpublishing, moving or deleting a page changes the generation, so the next
request misses. With a shared cache (Redis) the generation lives in the cache
and one MGET fetches it with the page; with the embedded local-memory cache
each worker process has its own cache, so the generation is the modification
time of a file that every process stats.

Two doors lead to a stored page: `AnonymousPageCacheMiddleware` (first in
MIDDLEWARE; it also stores pages) and `PageCacheWSGI`, which wraps the WSGI
application so a hit skips Django's request machinery altogether. Both build
the key from the same WSGI environ fields, so either finds what the other stored.
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import cc_delim_re, patch_vary_headers

SHARED_CACHEABLE_ATTR = "_masthead_shared_cacheable"
GENERATION_KEY = "pagecache:generation"
# Headers that belong to one response or one reader, never to the stored page.
UNSTORED_HEADERS = frozenset({"set-cookie", "date", "x-cache", "content-length", "vary", "expires", "last-modified"})
# django.contrib.messages keeps flash messages in this cookie before the session.
MESSAGES_COOKIE = "messages"
# Query parameters that change what a cacheable page shows (section pagination).
# Any other parameter (?utm_source=..., ?x=<random>) sends the request to the
# view uncached, so nobody can fill the cache with copies of one page.
CACHEABLE_QUERY_PARAMS = frozenset({"page"})

Stored = tuple[bytes, tuple[tuple[str, str], ...]]
# What sits in the cache: (generation, body, headers).
Entry = tuple[str, bytes, tuple[tuple[str, str], ...]]


def mark_shared_cacheable(response: HttpResponse) -> HttpResponse:
    """Declare that this response is identical for every anonymous reader."""
    setattr(response, SHARED_CACHEABLE_ATTR, True)
    return response


# --- Settings, read once per process -----------------------------------------
#
# A hit costs tens of microseconds; going through django.conf.settings a dozen
# times and building a Path per request was a third of that. The snapshot is
# dropped whenever a test (or anything) changes a setting.


@dataclass(frozen=True)
class _Config:
    enabled: bool
    local: bool
    generation_file: str
    bypass_markers: tuple[str, ...]
    proxy_ssl_header: tuple[str, str] | None


_config_snapshot: _Config | None = None


def _config() -> _Config:
    global _config_snapshot
    if _config_snapshot is None:
        cookies = [settings.SESSION_COOKIE_NAME, MESSAGES_COOKIE, *getattr(settings, "PAGE_CACHE_BYPASS_COOKIES", [])]
        _config_snapshot = _Config(
            enabled=bool(settings.PAGE_CACHE_ENABLED),
            local="LocMemCache" in settings.CACHES["default"]["BACKEND"],
            generation_file=os.path.join(settings.VAR_DIR, "pagecache.generation"),
            bypass_markers=tuple(f"{name}=" for name in cookies),
            proxy_ssl_header=settings.SECURE_PROXY_SSL_HEADER,
        )
    return _config_snapshot


@receiver(setting_changed)
def _forget_config(**_: Any) -> None:
    global _config_snapshot
    _config_snapshot = None


# --- Generation -------------------------------------------------------------


def _uses_local_cache() -> bool:
    return _config().local


def _generation_file() -> Path:
    return Path(_config().generation_file)


def current_generation() -> str:
    config = _config()
    if config.local:
        try:
            return str(os.stat(config.generation_file).st_mtime_ns)
        except FileNotFoundError:
            return "0"
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        # A fresh random value, never a counter from zero: if Redis evicts or
        # loses the key, we must not fall back to a generation whose pages are
        # still stored. add() lets concurrent workers agree on one value.
        cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        generation = cache.get(GENERATION_KEY, "lost")
    return str(generation)


def _bump_now() -> None:
    if _uses_local_cache():
        path = _generation_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        # Strictly increasing even when two bumps fall in one clock tick.
        now = time.time_ns()
        try:
            before = os.stat(path).st_mtime_ns
        except FileNotFoundError:
            path.touch()
            before = 0
        os.utime(path, ns=(now, max(now, before + 1)))
        # No cache.clear(): stale pages are never served (their generation no
        # longer matches) and the next miss overwrites them, while clearing
        # would also reset everything else kept in the cache (rate limits).
    else:
        # Each bump writes a value never used before, so concurrent bumps
        # cannot cancel out the way two "incr on a missing key" could.
        cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def bump_generation() -> None:
    """Make every cached page stale, in every process.

    Bumped now and again after the surrounding transaction commits: a reader
    who asks between the two would otherwise render the old rows (the publish
    is not committed yet) and store them under the new generation.
    """
    _bump_now()
    transaction.on_commit(_bump_now)


# --- Keys and lookups, shared by both doors ---------------------------------


def _scheme(environ: dict[str, Any]) -> str:
    # The same answer as HttpRequest.scheme, from the raw environ.
    proxy_ssl_header = _config().proxy_ssl_header
    if proxy_ssl_header:
        header, secure_value = proxy_ssl_header
        value = environ.get(header)
        if value is not None:
            return "https" if value.split(",", 1)[0].strip() == secure_value else "http"
    return str(environ.get("wsgi.url_scheme", "http"))


def key_for(environ: dict[str, Any]) -> str | None:
    """The cache key for a WSGI environ (request.META is the environ)."""
    # Like HttpRequest.get_host() without the port normalising: the same
    # environ always gives the same key, which is all a cache key needs.
    host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME', '')}:{environ.get('SERVER_PORT', '')}"
    if host == ":":
        return None
    # The host is not validated here: only a response Django served (after
    # checking ALLOWED_HOSTS) is ever stored, so a forged host just misses.
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "/")
    return f"pagecache:page:{_scheme(environ)}://{host.lower()}{path}?{environ.get('QUERY_STRING', '')}"


def _may_use_cache(environ: dict[str, Any]) -> bool:
    """A GET/HEAD from a reader with no session (so not signed in, not metered)."""
    config = _config()
    if not config.enabled or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
        return False
    query = environ.get("QUERY_STRING")
    if query and any(part.partition("=")[0] not in CACHEABLE_QUERY_PARAMS for part in query.split("&")):
        return False
    cookies = environ.get("HTTP_COOKIE")
    # A substring test may see "sessionid=" inside another cookie's name; that
    # only sends the reader to the view, which is always safe.
    return not cookies or not any(marker in cookies for marker in config.bypass_markers)


def _lookup(environ: dict[str, Any]) -> tuple[str, Stored | None]:
    """The current generation, and the stored page if it is still of that generation."""
    key = key_for(environ)
    if _config().local:
        generation = current_generation()
        entry = cache.get(key) if key else None
    else:
        # One round trip for both; a lost generation is re-created (and misses).
        found = cache.get_many([GENERATION_KEY, key] if key else [GENERATION_KEY])
        stored = found.get(GENERATION_KEY)
        generation = current_generation() if stored is None else str(stored)
        entry = found.get(key) if key else None
    if entry is None or entry[0] != generation:
        return generation, None
    return generation, (entry[1], entry[2])


def _etag_matches(environ: dict[str, Any], headers: Iterable[tuple[str, str]]) -> bool:
    wanted = environ.get("HTTP_IF_NONE_MATCH")
    if not wanted:
        return False
    etag = next((value for name, value in headers if name == "ETag"), None)
    return etag is not None and (wanted.strip() == "*" or etag in {tag.strip() for tag in wanted.split(",")})


# --- Door 1: middleware (stores, and answers hits under the test client) ----


def _storable(request: HttpRequest, response: HttpResponse) -> bool:
    # Only a GET: a HEAD response may legitimately come back without its body.
    if request.method != "GET" or not getattr(response, SHARED_CACHEABLE_ATTR, False) or response.status_code != 200:
        return False
    if response.cookies or getattr(response, "streaming", False):
        return False
    # {% csrf_token %} on the page: the HTML carries this reader's secret.
    if request.META.get("CSRF_COOKIE_USED"):
        return False
    vary = {v.strip().lower() for v in cc_delim_re.split(response.get("Vary", "")) if v.strip()}
    if vary - {"cookie"}:
        return False
    cache_control = response.get("Cache-Control", "").lower()
    return not any(word in cache_control for word in ("private", "no-store", "no-cache"))


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        environ = request.META
        if not _may_use_cache(environ):
            return self.get_response(request)

        generation, stored = _lookup(environ)
        if stored is not None:
            return _response_from(stored, environ)

        response = self.get_response(request)
        key = key_for(environ)
        if key is not None and _storable(request, response):
            if "Cache-Control" not in response:
                response["Cache-Control"] = f"public, max-age={getattr(settings, 'PAGE_CACHE_BROWSER_SECONDS', 0)}"
            body = response.content
            response["ETag"] = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
            headers = tuple((name, value) for name, value in response.items() if name.lower() not in UNSTORED_HEADERS)
            # Stored under the generation read before the view ran: if a
            # publish happened meanwhile, this entry is already stale and never served.
            entry: Entry = (generation, body, headers)
            cache.set(key, entry, settings.PAGE_CACHE_SECONDS)
            # Proxies must not give this anonymous copy to a signed-in reader either.
            patch_vary_headers(response, ("Cookie",))
            response["X-Cache"] = "MISS"
        return response


def _response_from(stored: Stored, environ: dict[str, Any]) -> HttpResponse:
    body, headers = stored
    if _etag_matches(environ, headers):
        response: HttpResponse = HttpResponseNotModified()
        for name, value in headers:
            if name in ("ETag", "Cache-Control"):
                response[name] = value
    else:
        response = HttpResponse(body if environ.get("REQUEST_METHOD") == "GET" else b"")
        for name, value in headers:
            response[name] = value
        response["Content-Length"] = str(len(body))
    response["Vary"] = "Cookie"
    response["X-Cache"] = "HIT"
    return response


# --- Door 2: WSGI wrapper (production hit path) -----------------------------


class PageCacheWSGI:
    """Answer cache hits before Django builds a request; pass everything else on."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if _may_use_cache(environ):
            _, stored = _lookup(environ)
            if stored is not None:
                body, headers = stored
                if _etag_matches(environ, headers):
                    kept = [(n, v) for n, v in headers if n in ("ETag", "Cache-Control")]
                    start_response("304 Not Modified", [*kept, ("Vary", "Cookie"), ("X-Cache", "HIT")])
                    return [b""]
                start_response("200 OK", [*headers, ("Content-Length", str(len(body))), ("Vary", "Cookie"), ("X-Cache", "HIT")])
                return [body if environ.get("REQUEST_METHOD") == "GET" else b""]
        return self.app(environ, start_response)
