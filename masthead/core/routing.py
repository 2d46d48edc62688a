"""Finding the page for a URL cheaply, for Wagtail's own serve view.

Wagtail routes a URL one level at a time (two queries per level, plus the
site and its root page): seven queries for an article before it is rendered.
`RouteMiddleware.process_view` answers first, for Wagtail's serve view only,
and hands Wagtail the result through the attribute Wagtail itself caches
routes in (`request._wagtail_route_for_request`), so Wagtail's hooks (view
restrictions, allowed methods) still run on every request:

- a remembered route: the page as it was when last served, kept like any
  cached page (tagged with the page, so publishing or unpublishing it forgets
  it; moves and slug changes purge the whole site) — no query;
- otherwise the page whose `url_path` is the site root's path plus the URL,
  in two queries (its type, then the page of that type), or one when every page
  found under the same parent so far had one type (a section's articles). That
  is exactly what Wagtail's walk finds as long as no page model overrides
  `route()`; if one does, Wagtail routes as usual.

The site is looked up once per host and port per process, and kept while the
`site` tag is unchanged (saving a Site purges it): cachetags.sitewide.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.signals import setting_changed
from django.db.models.base import ModelState
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port
from wagtail.fields import StreamField
from wagtail.models import Page, Site, get_page_models
from wagtail.url_routing import RouteResult

from masthead.core import cachetags, pagecache, pagestore

REMEMBERED_ATTR = "_masthead_route_remembered"


def _route_key(request: HttpRequest) -> str | None:
    url = pagecache.url_key(request.META, query=False)
    return None if url is None else "pagecache:route:" + url


# --- Site, once per host and port --------------------------------------------


_SITE_COLUMNS = [f.attname for f in Site._meta.concrete_fields]


def _site_entry(request: HttpRequest) -> tuple[tuple[Any, ...] | None, str]:
    """(the Site's column values or None, its root page's url_path), kept per process until a Site changes."""
    host, port = split_domain_port(request._get_raw_host())[0], request.get_port()  # type: ignore[attr-defined]

    def find() -> tuple[tuple[Any, ...] | None, str]:
        site = Site._find_for_request(request)
        if site is None:
            return None, ""
        return tuple(getattr(site, name) for name in _SITE_COLUMNS), site.root_page.url_path

    return cachetags.sitewide(f"site:{host}:{port}", find)


def site_for(request: HttpRequest) -> Site | None:
    """Site.find_for_request without its query; fills Wagtail's per-request cache too."""
    if not hasattr(request, "_wagtail_site"):
        values = _site_entry(request)[0]
        # A fresh instance per request, as Wagtail's own lookup gives.
        request._wagtail_site = Site.from_db("default", _SITE_COLUMNS, values) if values is not None else None  # type: ignore[attr-defined]
    return request._wagtail_site  # type: ignore[attr-defined]


# --- Remembered routes ---------------------------------------------------------


def snapshot(page: Page) -> bytes:
    """The page's own columns, without its body: enough to ask the gate and find its cached shell."""
    cls: Any = type(page)
    clone = cls.__new__(cls)
    heavy = {f.attname for f in page._meta.concrete_fields if isinstance(f, StreamField)}
    clone.__dict__.update(
        {
            f.attname: page.__dict__[f.attname]
            for f in page._meta.concrete_fields
            if f.attname in page.__dict__ and f.attname not in heavy
        }
    )
    state = ModelState()
    state.db = page._state.db
    state.adding = False
    clone._state = state
    return pickle.dumps(clone, protocol=pickle.HIGHEST_PROTOCOL)


def remember(request: HttpRequest, page: Page) -> None:
    """Keep the route to a page just served, unless it came from memory already or this is a preview."""
    if getattr(request, REMEMBERED_ATTR, False) or getattr(request, "is_preview", False) or not page.live:
        return
    if request.method not in ("GET", "HEAD") or not settings.PAGE_CACHE_ENABLED:
        return
    key = _route_key(request)
    if key is None:
        return
    data = snapshot(page)
    pagestore.put(key, data, tags=[cachetags.page_tag(page.pk)], clock_before=cachetags.clock(), size=len(data))


def _remembered(request: HttpRequest) -> Page | None:
    key = _route_key(request)
    if key is None:
        return None
    entry = pagestore.lookup(key)
    if entry is None:
        return None
    try:
        page = pickle.loads(entry.payload)  # noqa: S301 (our own snapshot, from our own cache)
    except Exception:  # noqa: BLE001 (a model changed shape since it was stored: route afresh)
        return None
    setattr(request, REMEMBERED_ATTR, True)
    return page


# --- Resolving by url_path ---------------------------------------------------------

_default_routes: bool | None = None


def _default_routes_everywhere() -> bool:
    global _default_routes
    if _default_routes is None:
        _default_routes = all(model.route is Page.route for model in get_page_models())
    return _default_routes


# The page model found under each parent url_path, while every page found there had that model
# (a section's articles, the authors under /authors/); None once two models met under one parent.
# Only a guess that saves a query: a wrong one costs one more query, never a wrong page.
_children_model: dict[str, type[Page] | None] = {}


@receiver(setting_changed)
def _forget_children_models(**_: Any) -> None:
    # Tests build a new page tree per test (and switch VAR_DIR): guesses from the old tree go.
    _children_model.clear()


def _queryset(model: type[Page]) -> Any:
    # A page model may name what its first render needs alongside (hero image...).
    queryset = getattr(model, "routed_queryset", None)
    return queryset() if queryset else model._default_manager.all()


def _resolve(request: HttpRequest, path: str) -> Page | None:
    if not _default_routes_everywhere():
        return None
    values, root_path = _site_entry(request)
    if values is None or not root_path:
        return None
    url_path = root_path + "".join(part + "/" for part in path.split("/") if part)
    parent = url_path[: url_path.rstrip("/").rfind("/") + 1]
    guess = _children_model.get(parent)
    if guess is not None:
        # One query for the page and what its render needs, instead of one for its type and one for it.
        page = _queryset(guess).filter(url_path=url_path).order_by("path").first()
        if page is not None:
            return page if page.live else None  # not live: Wagtail answers the 404 as usual
    row = Page.objects.filter(url_path=url_path).values_list("pk", "content_type_id", "live").first()
    if row is None or not row[2]:
        return None  # Wagtail answers the 404 (or a redirect) as usual
    model = ContentType.objects.get_for_id(row[1]).model_class()
    if model is None or not issubclass(model, Page):
        return None
    # A 404 returned above and changes nothing: only a page of another model under the parent ends the guessing.
    _children_model[parent] = model if _children_model.get(parent, model) is model else None
    return _queryset(model).get(pk=row[0])


class RouteMiddleware:
    """Routes GET/HEAD requests for Wagtail pages from memory or by url_path; Wagtail serves them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with cachetags.request_scope():
            return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any) -> None:
        from wagtail.views import serve as wagtail_serve

        if view_func is not wagtail_serve or request.method not in ("GET", "HEAD"):
            return
        if not settings.PAGE_CACHE_ENABLED or hasattr(request, "_wagtail_route_for_request"):
            return
        site_for(request)
        page = _remembered(request)
        if page is None:
            path = view_args[0] if view_args else view_kwargs.get("path", "")
            page = _resolve(request, path)
        if page is not None:
            request._wagtail_route_for_request = RouteResult(page)  # type: ignore[attr-defined]
