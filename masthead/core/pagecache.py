"""A full-page cache for anonymous readers that publishing empties precisely.

Why not Django's per-site cache: it keys on cookies and headers we do not
control, it would happily store a paywalled page, and it cannot be emptied
when an editor publishes. Here a response is stored only when the view has
said, with `mark_shared_cacheable(response)`, that every anonymous reader gets
the same bytes. Anything else (a signed-in reader, a metered preview, a form
with a CSRF token, a Set-Cookie, a private Cache-Control, a Vary on anything
but Cookie) never enters the shared cache.

Invalidation is by tags (masthead/core/cachetags.py): the view names what the
page was built from with `tag_response(response, tags)`, and publishing an
article purges that article's tags and the listings it appears in, so the
rest of the site stays cached. A response with no tags is purged by every
publish. Entries live in masthead/core/pagestore.py (memory tier, Redis).

Two doors lead to a stored page: `AnonymousPageCacheMiddleware` (first in
MIDDLEWARE; it also stores pages) and `PageCacheWSGI`, which wraps the WSGI
application so a hit skips Django's request machinery altogether. Both build
the key from the same WSGI environ fields, so either finds what the other stored.
A stored response also carries the edge's headers (masthead/core/edge.py), so
Varnish in front keeps it too and is purged by the same tags.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotModified
from django.utils.cache import cc_delim_re, patch_vary_headers

from masthead.core import cachetags, edge, pagestore

SHARED_CACHEABLE_ATTR = "_masthead_shared_cacheable"
TAGS_ATTR = "_masthead_cache_tags"
# Headers that belong to one response or one reader, never to the stored page.
UNSTORED_HEADERS = frozenset({"set-cookie", "date", "x-cache", "content-length", "vary", "expires", "last-modified"})
# django.contrib.messages keeps flash messages in this cookie before the session.
MESSAGES_COOKIE = "messages"
# Query parameters that change what a cacheable page shows (section pagination).
# Any other parameter (?utm_source=..., ?x=<random>) sends the request to the
# view uncached, so nobody can fill the cache with copies of one page.
CACHEABLE_QUERY_PARAMS = frozenset({"page"})

# What a page entry holds: (body, headers, the body gzipped or None). Compressed once, when stored:
# every hit from a reader whose client accepts gzip gets those bytes without compressing again.
Stored = tuple[bytes, tuple[tuple[str, str], ...], bytes | None]
# Below this a gzip member's header and the extra round of work are not worth it.
GZIP_MIN_BYTES = 1024
GZIP_TYPES = ("text/", "application/xml", "application/rss+xml", "application/atom+xml", "application/json")
# Every stored page varies on these: the session cookie picks the page, Accept-Encoding its bytes.
VARY = "Cookie, Accept-Encoding"


def worth_gzipping(size: int, content_type: str, *, encoded: bool) -> bool:
    """Whether a body is text, not encoded already, and big enough to gain from gzip."""
    return size >= GZIP_MIN_BYTES and not encoded and content_type.startswith(GZIP_TYPES)


def gzipped(body: bytes, headers: Iterable[tuple[str, str]]) -> bytes | None:
    """The body gzipped for storing beside it, or None when it is small, not text, or already encoded."""
    found = {name.lower(): value for name, value in headers}
    if not worth_gzipping(len(body), found.get("content-type", ""), encoded="content-encoding" in found):
        return None
    # mtime=0: the same page gives the same bytes in every process (and at the edge).
    return gzip.compress(body, compresslevel=6, mtime=0)


def accepts_gzip(environ: dict[str, Any]) -> bool:
    """Whether Accept-Encoding allows gzip (a "gzip;q=0" refuses it)."""
    for part in environ.get("HTTP_ACCEPT_ENCODING", "").lower().split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip() in ("gzip", "x-gzip", "*"):
            q = params.strip()
            return not (q.startswith("q=") and _q(q[2:]) == 0)
    return False


def _q(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return 1.0


def _gzip_etag(etag: str) -> str:
    # A different representation needs a different strong validator.
    return etag[:-1] + '-gz"' if etag.endswith('"') else etag


def use_gzip(response: HttpResponseBase, body: bytes) -> None:
    """Send `body`, the response's content gzipped, under its own validator."""
    response.content = body  # type: ignore[attr-defined]
    response["Content-Encoding"] = "gzip"
    response["Content-Length"] = str(len(body))
    if response.has_header("ETag"):
        response["ETag"] = _gzip_etag(response["ETag"])


def representation(stored: Stored, environ: dict[str, Any]) -> tuple[bytes, list[tuple[str, str]]]:
    """The body and headers this reader gets from a stored page: gzipped when stored so and accepted."""
    body, headers, packed = stored
    if packed is None or not accepts_gzip(environ):
        return body, list(headers)
    chosen = [(name, _gzip_etag(value) if name == "ETag" else value) for name, value in headers]
    chosen.append(("Content-Encoding", "gzip"))
    return packed, chosen


def mark_shared_cacheable(response: HttpResponse) -> HttpResponse:
    """Declare that this response is identical for every anonymous reader."""
    setattr(response, SHARED_CACHEABLE_ATTR, True)
    return response


def tag_response(response: HttpResponse, tags: Iterable[str]) -> HttpResponse:
    """Name what this response was built from (cachetags.page_tag, list_tag), so a purge of any of them empties it."""
    setattr(response, TAGS_ATTR, cachetags.clean(tags))
    return response


def response_tags(response: HttpResponse) -> tuple[str, ...]:
    # Untagged: we cannot know what it shows, so every publish purges it.
    return getattr(response, TAGS_ATTR, None) or cachetags.clean([cachetags.LIST_ALL])


def bump_generation() -> None:
    """Make every cached page stale, in every process and at the edge (site-wide changes)."""
    cachetags.purge_everything()


# --- Settings, read once per process -----------------------------------------
#
# A hit costs tens of microseconds; going through django.conf.settings a dozen
# times per request was a third of that. The snapshot is dropped whenever a
# test (or anything) changes a setting.


@dataclass(frozen=True)
class _Config:
    enabled: bool
    bypass_markers: tuple[str, ...]
    proxy_ssl_header: tuple[str, str] | None


_config_snapshot: _Config | None = None


def _config() -> _Config:
    global _config_snapshot
    if _config_snapshot is None:
        _config_snapshot = _Config(
            enabled=bool(settings.PAGE_CACHE_ENABLED),
            bypass_markers=tuple(f"{name}=" for name in bypass_cookies()),
            proxy_ssl_header=settings.SECURE_PROXY_SSL_HEADER,
        )
    return _config_snapshot


def bypass_cookies() -> list[str]:
    """Cookies that mean "this reader may see a personal page": never answered from a shared copy."""
    return [settings.SESSION_COOKIE_NAME, MESSAGES_COOKIE, *getattr(settings, "PAGE_CACHE_BYPASS_COOKIES", [])]


@receiver(setting_changed)
def _forget_config(**_: Any) -> None:
    global _config_snapshot
    _config_snapshot = None


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


def url_key(environ: dict[str, Any], *, query: bool = True) -> str | None:
    """scheme://host/path?query for a WSGI environ (request.META is the environ)."""
    # Like HttpRequest.get_host() without the port normalising: the same
    # environ always gives the same key, which is all a cache key needs.
    host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME', '')}:{environ.get('SERVER_PORT', '')}"
    if host == ":":
        return None
    # The host is not validated here: only a response Django served (after
    # checking ALLOWED_HOSTS) is ever stored, so a forged host just misses.
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "/")
    url = f"{_scheme(environ)}://{host.lower()}{path}"
    return f"{url}?{environ.get('QUERY_STRING', '')}" if query else url


def key_for(environ: dict[str, Any]) -> str | None:
    """The page cache key for a WSGI environ."""
    url = url_key(environ)
    return None if url is None else "pagecache:page:" + url


def cacheable_query(environ: dict[str, Any]) -> bool:
    query = environ.get("QUERY_STRING")
    return not query or all(part.partition("=")[0] in CACHEABLE_QUERY_PARAMS for part in query.split("&"))


def _may_use_cache(environ: dict[str, Any]) -> bool:
    """A GET/HEAD from a reader with no session (so not signed in, not metered)."""
    config = _config()
    if not config.enabled or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
        return False
    if not cacheable_query(environ):
        return False
    cookies = environ.get("HTTP_COOKIE")
    # A substring test may see "sessionid=" inside another cookie's name; that
    # only sends the reader to the view, which is always safe.
    return not cookies or not any(marker in cookies for marker in config.bypass_markers)


def _lookup(environ: dict[str, Any]) -> Stored | None:
    """The stored page if it is still current."""
    key = key_for(environ)
    entry = None if key is None else pagestore.lookup(key)
    return None if entry is None else entry.payload


def _etag_matches(environ: dict[str, Any], headers: Iterable[tuple[str, str]]) -> bool:
    """Whether If-None-Match names the headers' ETag (the representation being answered)."""
    wanted = environ.get("HTTP_IF_NONE_MATCH")
    if not wanted:
        return False
    etag = next((value for name, value in headers if name == "ETag"), None)
    return etag is not None and (wanted.strip() == "*" or etag in {tag.strip() for tag in wanted.split(",")})


# --- Door 1: middleware (stores, and answers hits under the test client) ----


def touched_csrf(meta: dict[str, Any]) -> bool:
    """Whether rendering asked for the CSRF token (django.middleware.csrf.get_token marks the request)."""
    return bool(meta.get("CSRF_COOKIE_NEEDS_UPDATE") or meta.get("CSRF_COOKIE_USED"))


def _storable(request: HttpRequest, response: HttpResponse) -> bool:
    # Only a GET: a HEAD response may legitimately come back without its body.
    if request.method != "GET" or not getattr(response, SHARED_CACHEABLE_ATTR, False) or response.status_code != 200:
        return False
    if response.cookies or getattr(response, "streaming", False):
        return False
    # {% csrf_token %} on the page: the HTML carries this reader's secret.
    if touched_csrf(request.META):
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
        # One read of the tag clock for the whole request (cachetags.clock).
        with cachetags.request_scope():
            return self._respond(request)

    def _respond(self, request: HttpRequest) -> HttpResponse:
        environ = request.META
        if not _may_use_cache(environ):
            return self.get_response(request)

        clock = cachetags.clock()
        stored = _lookup(environ)
        if stored is not None:
            return _response_from(stored, environ)

        response = self.get_response(request)
        key = key_for(environ)
        if key is not None and _storable(request, response):
            tags = response_tags(response)
            if "Cache-Control" not in response:
                response["Cache-Control"] = f"public, max-age={getattr(settings, 'PAGE_CACHE_BROWSER_SECONDS', 0)}"
            edge.mark_shared(response, tags)
            body = response.content
            response["ETag"] = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
            headers = tuple((name, value) for name, value in response.items() if name.lower() not in UNSTORED_HEADERS)
            packed = gzipped(body, headers)
            size = len(body) + (len(packed) if packed else 0)
            # Refused if a purge ran while the view rendered: it may have read the old rows.
            stored_now = pagestore.put(key, (body, headers, packed), tags=tags, clock_before=clock, size=size)
            # Proxies must not give this anonymous copy to a signed-in reader either, nor gzip to a client without it.
            patch_vary_headers(response, ("Cookie", "Accept-Encoding"))
            response["X-Cache"] = "MISS" if stored_now else "MISS, NOT STORED"
            if packed is not None and accepts_gzip(environ):
                use_gzip(response, packed)
        return response


def _response_from(stored: Stored, environ: dict[str, Any]) -> HttpResponse:
    body, headers = representation(stored, environ)
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
    response["Vary"] = VARY
    response["X-Cache"] = "HIT"
    return response


# --- Door 2: WSGI wrapper (production hit path) -----------------------------


class PageCacheWSGI:
    """Answer cache hits before Django builds a request; pass everything else on."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if _may_use_cache(environ):
            stored = _lookup(environ)
            if stored is not None:
                body, headers = representation(stored, environ)
                if _etag_matches(environ, headers):
                    kept = [(n, v) for n, v in headers if n in ("ETag", "Cache-Control")]
                    start_response("304 Not Modified", [*kept, ("Vary", VARY), ("X-Cache", "HIT")])
                    return [b""]
                start_response("200 OK", [*headers, ("Content-Length", str(len(body))), ("Vary", VARY), ("X-Cache", "HIT")])
                return [body if environ.get("REQUEST_METHOD") == "GET" else b""]
        return self.app(environ, start_response)
