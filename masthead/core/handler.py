"""Django's WSGI handler, remembering which URLs it has already resolved to Wagtail's page view.

Wagtail's serve view is the URL conf's catch-all, so resolving an article's URL first tries every
pattern of every app (four empty-prefix includes, then the prefixed ones): a tenth of a signed-in
reader's page (1,002 → 901 µs of CPU without it, interleaved in one process, 2026-12-03;
docs/benchmarks.md). A URL conf is fixed while a process lives, so a path that resolved to
the serve view once resolves to it again; this handler keeps that answer per process, for that view
only, and hands out a fresh match per request.

Process memory is the right place: the answer depends on the code this process loaded, not on shared
state, and a different URL conf (a test's `ROOT_URLCONF`, `request.urlconf`) gets a resolver of its own
and so starts with nothing remembered.
"""

from __future__ import annotations

from typing import Any

from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest
from django.urls import ResolverMatch, get_resolver
from django.urls.resolvers import URLResolver
from wagtail.views import serve  # imported after django.setup() (masthead/wsgi.py)

# Enough for every article a magazine serves in a day; a scan of random paths (each resolves to the
# catch-all too) empties it and costs the next requests one full resolution each, as before.
LIMIT = 4096

_remembered: dict[str, tuple[Any, ...]] = {}
_remembered_for: list[URLResolver] = []


def resolve_remembering(resolver: URLResolver, path: str) -> ResolverMatch:
    """`resolver.resolve(path)`, from memory when this resolver sent the path to Wagtail's serve view before."""
    if not _remembered_for or _remembered_for[0] is not resolver:
        _remembered.clear()
        _remembered_for[:] = [resolver]
    found = _remembered.get(path)
    if found is not None:
        func, args, kwargs, url_name, app_names, namespaces, route, captured, extra = found
        return ResolverMatch(
            func, args, dict(kwargs), url_name, app_names, namespaces, route,
            captured_kwargs=dict(captured), extra_kwargs=dict(extra),
        )  # fmt: skip
    match = resolver.resolve(path)
    if match.func is serve:
        if len(_remembered) >= LIMIT:
            _remembered.clear()
        # Without `tried` (the patterns passed on the way, for the technical 404 page only): ~100 lists per path.
        _remembered[path] = (
            match.func,
            match.args,
            dict(match.kwargs),
            match.url_name,
            list(match.app_names),
            list(match.namespaces),
            match.route,
            dict(getattr(match, "captured_kwargs", None) or {}),  # not in django-stubs yet
            dict(getattr(match, "extra_kwargs", None) or {}),
        )
    return match


class MastheadWSGIHandler(WSGIHandler):
    def resolve_request(self, request: HttpRequest) -> ResolverMatch:
        if hasattr(request, "urlconf"):
            match: ResolverMatch = super().resolve_request(request)
            return match
        match = resolve_remembering(get_resolver(), request.path_info)
        request.resolver_match = match
        return match
