from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_safe
from django.views.static import serve

from masthead.core import branding, svg
from masthead.core.storage import PUBLIC_MEDIA_CACHE_CONTROL

# The policy of an SVG in media (public_media; deploy/nginx/masthead-files.conf says the same).
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'"


@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: 200 only when the database and the cache answer."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 — any failure means unhealthy
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        cache.set("healthz", "1", 5)
        checks["cache"] = "ok" if cache.get("healthz") == "1" else "error: read back failed"
    except Exception as exc:  # noqa: BLE001
        checks["cache"] = f"error: {exc.__class__.__name__}"
    healthy = all(v == "ok" for v in checks.values())
    response = JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)
    response["Cache-Control"] = "no-store"
    return response


# Paths that must never be crawled: account pages, private feeds, admin.
DISALLOWED = ["/admin/", "/django-admin/", "/account/", "/feeds/private/", "/podcast/", "/search/"]
# Inside /account/, the pages a stranger may land on from a search result: signing in and signing up.
# Blocked, search engines list them as "blocked" with no description (Lighthouse SEO 63 on sign-in).
# Named by URL name, so a moved route moves here too. No "$" anchor: first-match parsers (Python's among them)
# do not know it, and the pages' canonical link folds /account/signin/?next=… into one address.
ALLOWED_URL_NAMES = ["members:signin", "members:signup"]


@require_safe
@cache_control(public=True, max_age=3600)
def robots_txt(request: HttpRequest) -> HttpResponse:
    # Allow lines first: crawlers that take the first match (not the longest) read them before /account/.
    allowed = [f"Allow: {reverse(name)}" for name in ALLOWED_URL_NAMES]
    disallowed = [f"Disallow: {path}" for path in DISALLOWED]
    lines = ["User-agent: *", *allowed, *disallowed, "", f"Sitemap: {settings.SITE_URL}/sitemap.xml", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


@require_http_methods(["GET", "HEAD"])
def public_media(request: HttpRequest, path: str) -> HttpResponseBase:
    """MEDIA_URL when the app serves it (SERVE_MEDIA): public uploads, cacheable for a year.

    A year is safe because the media storage never gives a name to a second
    file (core.storage.UniqueNamesMixin). Gated files are not here at all:
    they live in the private storage (core.private_files).
    """
    # MEDIA_ROOT is read per request, not when the URLconf was built, so it follows the settings in force.
    response = serve(request, path, document_root=str(settings.MEDIA_ROOT))
    if response.status_code in (200, 304):
        response["Cache-Control"] = PUBLIC_MEDIA_CACHE_CONTROL
    if svg.is_svg_name(path):
        # An SVG opened by its URL is a document of our origin: whatever it holds, it runs no script and
        # loads nothing (its own inline styles aside). The CSP middleware leaves a policy already set alone.
        response["Content-Security-Policy"] = SVG_POLICY
        response["X-Content-Type-Options"] = "nosniff"
    return response


@require_http_methods(["GET", "HEAD"])
def brand_file(request: HttpRequest, digest: str, kind: str) -> HttpResponse:
    """The brand's stylesheet and drawn images (core.branding), under a digest of what they are drawn from.

    Only the current brand's digest answers: an old URL would otherwise be drawn
    again from today's settings and cached for a year under the old name.
    """
    found = branding.brand(request)
    if digest != found.digest or kind not in {"colours.css", *branding.KINDS}:
        raise Http404("No such brand file.")
    if kind == "colours.css":
        response = HttpResponse(branding.stylesheet(found), content_type="text/css; charset=utf-8")
    else:
        response = HttpResponse(branding.drawn_file(found, kind), content_type="image/png")
    response["Cache-Control"] = PUBLIC_MEDIA_CACHE_CONTROL
    return response
