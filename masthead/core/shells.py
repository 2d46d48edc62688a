"""Page shells: a page rendered once for nobody in particular, finished per reader.

A signed-in reader's page differs from the next reader's in a few small parts
(the account link, whether ads show, the meter notice) and not in the rest
(the article, its photos, the related stories). A shell is the rest: the
page's template rendered under a *neutral* request (no user, no session, no
cookies), with a marked hole where each per-reader part goes, and stored per
URL and variant (an article has full / metered / teaser variants, chosen
from the gate's decision for this reader, which always comes first). Serving
a reader is then: find the shell, fill its holes for this request, join.

- A template marks a per-reader part with `{% per_reader "template.html" %}`
  (rendered per request with request, user and the page's reader context),
  or `{% reader_part "name" key=value %}` for a part an app fills itself,
  registered as a Wagtail hook named `reader_part:<name>`:
  `fill(request, **params) -> str`. The params are stored in the shared
  shell, so they must be the same for every reader (e.g. the ad's HTML).
- Nothing personal can reach a shell: the neutral request has no user, no
  session and no cookies, and a shell render that touched the CSRF token is
  thrown away (a `{% csrf_token %}` belongs in a per-reader part).
- Shells are tagged like every cached page (masthead/core/cachetags.py), so
  publishing an article empties its shells and its listings' shells only.
"""

from __future__ import annotations

import contextlib
import copy
import re
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.utils.safestring import SafeString, mark_safe
from wagtail import hooks

from masthead.core import cachetags, compression, pagecache, pagestore
from masthead.core.compression import Deflated, deflate

READER_ATTR = "masthead_reader"
HOOK_PREFIX = "reader_part:"


@dataclass(frozen=True)
class Hole:
    name: str
    params: tuple[tuple[str, Any], ...]


# A shell: shared text (deflated when stored, masthead/core/compression.py) and holes, in page order.
Shell = tuple["Deflated | Hole", ...]
# The stored form changed when shells gained their deflated bytes; a process still running the old
# code during a rolling deploy keeps its entries under the old prefix, never read as the new form.
SHELL_PREFIX = "pagecache:shell:deflated:"


class ShellRecorder:
    """Collects the holes of one render; markers carry a fresh nonce, so page text cannot forge one."""

    def __init__(self) -> None:
        self.nonce = secrets.token_hex(8)
        self.holes: list[Hole] = []

    def hole(self, name: str, **params: Any) -> SafeString:
        self.holes.append(Hole(name, tuple(sorted(params.items()))))
        return mark_safe(f"<!--{self.nonce}:{len(self.holes) - 1}-->")  # noqa: S308 (our own marker)

    def split(self, html: str) -> Shell:
        parts = re.split(f"<!--{self.nonce}:([0-9]+)-->", html)
        # re.split alternates text and captured hole numbers.
        return tuple(self.holes[int(part)] if i % 2 else deflate(part) for i, part in enumerate(parts) if i % 2 or part)


_recording: ContextVar[ShellRecorder | None] = ContextVar("masthead_shell_recording", default=None)


def recording() -> ShellRecorder | None:
    """The shell being rendered in this thread, if any: per-reader template tags then leave a hole."""
    return _recording.get()


@contextlib.contextmanager
def _recording_into(recorder: ShellRecorder) -> Iterator[None]:
    token = _recording.set(recorder)
    try:
        yield
    finally:
        _recording.reset(token)


# --- Filling holes ---------------------------------------------------------------

_fillers: dict[str, Callable[..., str] | None] = {}


def _filler(name: str) -> Callable[..., str] | None:
    if name not in _fillers:
        found = hooks.get_hooks(HOOK_PREFIX + name)
        _fillers[name] = found[-1] if found else None
    return _fillers[name]


def fill_part(request: HttpRequest, name: str, params: Mapping[str, Any]) -> str:
    filler = _filler(name)
    # A part whose app is gone (an old shell after a deploy) shows nothing rather than failing the page.
    return "" if filler is None else str(filler(request, **params))


def reader_context(request: HttpRequest) -> dict[str, Any]:
    """What the page said about this reader (e.g. the gate's reading), for per-reader parts."""
    return dict(getattr(request, READER_ATTR, None) or {})


def assemble(shell: Shell, request: HttpRequest) -> list[Deflated | bytes]:
    return [part if isinstance(part, Deflated) else fill_part(request, part.name, dict(part.params)).encode() for part in shell]


# --- The neutral request ---------------------------------------------------------

# What a shell render may see of the request: where it is, never who asks.
_NEUTRAL_META = frozenset(
    {
        "REQUEST_METHOD",
        "PATH_INFO",
        "SCRIPT_NAME",
        "QUERY_STRING",
        "SERVER_NAME",
        "SERVER_PORT",
        "SERVER_PROTOCOL",
        "HTTP_HOST",
        "HTTP_X_FORWARDED_PROTO",
        "HTTP_X_FORWARDED_HOST",
        "HTTP_X_FORWARDED_PORT",
        "wsgi.url_scheme",
    }
)
_NEUTRAL_ATTRS = frozenset(
    {"path", "path_info", "method", "resolver_match", "content_type", "content_params", "GET", "is_preview"}
)


class _NoSession(dict[str, Any]):
    """A session nobody has: reads find nothing, and a write would fail loudly."""

    session_key = None
    modified = False
    accessed = False

    def __setitem__(self, key: str, value: Any) -> None:
        raise RuntimeError("a shell render must not write to the session: mark that part {% per_reader %}")


def neutral_request(request: HttpRequest) -> HttpRequest:
    neutral = copy.copy(request)
    kept = {name: value for name, value in request.__dict__.items() if name in _NEUTRAL_ATTRS or name.startswith("_wagtail")}
    neutral.__dict__.clear()
    neutral.__dict__.update(kept)
    meta = {name: value for name, value in request.META.items() if name in _NEUTRAL_META}
    neutral.META = meta
    neutral.environ = meta  # type: ignore[attr-defined]
    neutral.COOKIES = {}
    neutral.user = AnonymousUser()
    neutral.session = _NoSession()  # type: ignore[assignment]
    neutral._messages = []  # type: ignore[attr-defined]
    return neutral


# --- Serving -----------------------------------------------------------------------

# render(request) -> (html, tags): the page's template and what it was built from.
Render = Callable[[HttpRequest], tuple[str, Iterable[str]]]


def _eligible(request: HttpRequest) -> bool:
    if not settings.PAGE_CACHE_ENABLED or getattr(request, "is_preview", False):
        return False  # a preview renders a draft under the live page's URL: never stored
    return request.method in ("GET", "HEAD") and pagecache.cacheable_query(request.META)


def respond(
    request: HttpRequest,
    *,
    key: str,
    render: Render,
    reader: Mapping[str, Any],
    shared: bool,
    private_cache_control: str = "private, no-store",
) -> HttpResponse:
    """The page for this reader: its shell (stored or rendered now) with the per-reader parts filled in.

    `key` names the shell: it must differ for every variant the reader's
    access can select (masthead.newsroom decides those from the gate).
    `shared`: every anonymous reader gets these exact bytes, so the page cache
    and the edge may keep the finished page.
    """
    setattr(request, READER_ATTR, dict(reader))
    shell: Shell | None = None
    tags: Iterable[str] = ()
    if _eligible(request):
        clock = cachetags.clock()
        entry = pagestore.lookup(SHELL_PREFIX + key)
        if entry is not None:
            shell, tags = entry.payload, entry.tags
        else:
            neutral = neutral_request(request)
            recorder = ShellRecorder()
            with _recording_into(recorder):
                html, tags = render(neutral)
            if not pagecache.touched_csrf(neutral.META):
                shell = recorder.split(html)
                pagestore.put(SHELL_PREFIX + key, shell, tags=list(tags), clock_before=clock)
    if shell is None:
        # Not stored (a preview, an odd query string, a page with a CSRF form): parts filled in place.
        html, tags = render(request)
        response = HttpResponse(html)
    else:
        # A shared page is gzipped by the page cache, once, when it stores the finished page.
        response = compression.response_from_parts(request, assemble(shell, request), compress=not shared)
    pagecache.tag_response(response, tags)
    if shared and not getattr(request, "is_preview", False):
        pagecache.mark_shared_cacheable(response)
    else:
        # Personal: neither our cache nor a proxy may keep it for another reader.
        response["Cache-Control"] = private_cache_control
    return response
