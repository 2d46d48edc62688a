"""The Content-Security-Policy header on every response (django-csp), scoped by path.

settings.py holds the public policy (CONTENT_SECURITY_POLICY, or
CONTENT_SECURITY_POLICY_REPORT_ONLY with CSP_REPORT_ONLY=1) and the admin's
(CSP_ADMIN_DIRECTIVES). Two things cannot be written there:

- Which policy a response gets depends on its path: the Wagtail admin still
  needs inline script and style, the public site does not.
- Where media is served from is known only to the storages (MEDIA_URL, an S3
  bucket, its custom domain, an endpoint), so their origins are asked for at
  run time and added to img-src and media-src.

A view widens the policy for its own response with ``@allows(sources)``
(django-csp's ``response._csp_update``; masthead/billing/csp.py, the
newsletter's web copy). The header is set
inside the page cache (this middleware comes after it), so a cached page is
stored and replayed with the very header it was rendered with; no nonce is
ever used, so that header is the same for every reader.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache, wraps
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from csp.constants import HEADER as CSP_HEADER
from csp.constants import HEADER_REPORT_ONLY as CSP_HEADER_RO
from csp.middleware import CheckableLazyObject, CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpResponse, HttpResponseBase

if TYPE_CHECKING:
    from django.http import HttpRequest

logger = logging.getLogger(__name__)
View = TypeVar("View", bound=Callable[..., HttpResponseBase])

# Media (images, renditions, public audio) may be served from these storages' origins.
MEDIA_DIRECTIVES = ("img-src", "media-src")
NONE = "'none'"
SELF = "'self'"


def origin_of(url: str) -> str | None:
    """``https://host:port`` of an absolute URL; None for a relative one."""
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return None


@cache
def storage_origins() -> tuple[str, ...]:
    """The origins of every storage's URLs but the static files' (always served by us)."""
    origins: list[str] = []
    for alias in settings.STORAGES:
        if alias == "staticfiles":
            continue
        try:
            url = storages[alias].url("csp-origin-probe")
        except NotImplementedError:
            continue  # by design (the private storage): its files leave only through a view of ours
        except Exception:  # a storage that cannot build a URL serves nothing to browsers
            logger.warning("storage %r gave no URL; its origin is left out of the CSP", alias, exc_info=True)
            continue
        origin = origin_of(url)
        if origin and origin not in origins:
            origins.append(origin)
    return tuple(origins)


@receiver(setting_changed)
def _forget_storage_origins(*, setting: str, **_: Any) -> None:
    if setting in ("STORAGES", "MEDIA_URL"):
        storage_origins.cache_clear()


def merge(*updates: dict[str, Any] | None) -> dict[str, list[str]]:
    """Several django-csp update dicts as one (sources appended in order, no repeats)."""
    merged: dict[str, list[str]] = {}
    for update in updates:
        for directive, sources in (update or {}).items():
            values = [sources] if isinstance(sources, str) else list(sources)
            bucket = merged.setdefault(directive, [])
            bucket.extend(value for value in values if value not in bucket)
    return merged


def widen(directives: dict[str, Any], update: dict[str, list[str]]) -> dict[str, Any]:
    """The directives with more sources allowed.

    Unlike django-csp's own update, a directive that was absent starts from
    default-src (so allowing one more image origin does not stop images from
    'self'), and 'none' goes once anything is allowed (browsers ignore
    'none' beside other sources, but warn about it on every page).
    """
    widened = dict(directives)
    for directive, sources in update.items():
        current = widened.get(directive)
        if current is None:
            current = widened.get("default-src") or []
        kept = [source for source in current if source != NONE]
        widened[directive] = kept + [source for source in sources if source not in kept]
    return widened


def allows(sources: Callable[[], dict[str, list[str]]]) -> Callable[[View], View]:
    """Widen the policy for this view's responses only (enforced and report-only alike).

    ``sources`` is called per response, so settings changed at run time (the
    Stripe origins in tests) are followed.
    """

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> HttpResponseBase:
            response = view(*args, **kwargs)
            extra = sources()
            response._csp_update = extra  # type: ignore[attr-defined]  # django-csp reads these attributes
            response._csp_update_ro = extra  # type: ignore[attr-defined]
            return response

        return wrapped  # type: ignore[return-value]

    return decorate


def policy_for(request: HttpRequest, public: dict[str, Any]) -> dict[str, Any]:
    """The admin's policy on admin paths, the public one elsewhere.

    A Wagtail preview is rendered for a made-up request to the page's public
    URL (``request.is_dummy``) and shown in a frame of the admin: it keeps the
    public policy, so editors see what readers will see (an embed the policy
    blocks is blocked in the preview too), but the admin may frame it.
    """
    if getattr(request, "is_dummy", False):
        return {**public, "frame-ancestors": [SELF]}
    if request.path_info.startswith(tuple(settings.CSP_ADMIN_PREFIXES)):
        return dict(settings.CSP_ADMIN_DIRECTIVES)
    return public


class ScopedCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, with the admin's policy on admin paths and the media origins added."""

    def get_policy_parts(self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        configured = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY" if report_only else "CONTENT_SECURITY_POLICY", None)
        if not configured:
            return parts  # no policy of this kind (enforced or report-only) is switched on
        directives = parts.config  # a view's own complete policy (django-csp's @csp), if any
        if directives is None:
            directives = policy_for(request, configured["DIRECTIVES"])
        directives = {**directives, **(parts.replace or {})}
        origins = list(storage_origins())
        update = merge(dict.fromkeys(MEDIA_DIRECTIVES, origins) if origins else None, parts.update)
        return PolicyParts(config=widen(directives, update), nonce=parts.nonce)

    # The public and the admin policy are the same string for every plain response
    # (no nonce is ever used, no per-view change): built once per process, not per
    # request (building it cost ~0.1 ms, a fifth of a signed-in reader's page).
    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if not _plain(request, response):
            return super().process_response(request, response)
        key = request.path_info.startswith(tuple(settings.CSP_ADMIN_PREFIXES))
        headers = _built.get(key)
        if headers is None:
            probe = HttpResponse()
            super().process_response(request, probe)
            headers = _built[key] = tuple((name, probe[name]) for name in (CSP_HEADER, CSP_HEADER_RO) if name in probe)
        for name, value in headers:
            if name not in response:
                response[name] = value
        if getattr(request, "_csp_nonce", None) is None:
            # As django-csp does: a nonce asked for after the header is written is an error.
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response


_built: dict[bool, tuple[tuple[str, str], ...]] = {}
_PER_RESPONSE = tuple(f"_csp_{what}{suffix}" for what in ("config", "update", "replace", "exempt") for suffix in ("", "_ro"))


def _plain(request: HttpRequest, response: HttpResponseBase) -> bool:
    """A response whose policy is the path's standing one: nothing about it is its own."""
    if response.status_code != 200 or getattr(request, "is_dummy", False) or getattr(request, "_csp_nonce", None) is not None:
        return False
    if any(hasattr(response, name) for name in _PER_RESPONSE):
        return False
    for name in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY"):
        if (getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES"):
            return False
    return True


@receiver(setting_changed)
def _forget_built_policies(**_: Any) -> None:
    _built.clear()
