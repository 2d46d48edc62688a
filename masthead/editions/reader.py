"""The web reader: an issue front to back — cover, editor's letter and contents, then every article in
the editor's order with the previous and next one, and how far into the issue the reader is.

Article text goes through the gate like the article page: ``reading_for`` on a page view (so the
meter counts it once, as it does there), the subscribe box where the reader may not go on, and a
personal page (``private, no-store``) whenever the answer is not the one every anonymous reader
gets. The reader's front page holds no article text, so it is shared-cacheable for anonymous readers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from masthead.access.gate import reading_for
from masthead.core.pagecache import mark_shared_cacheable
from masthead.newsroom.models import ArticlePage, IssuePage


@dataclass(frozen=True)
class Stop:
    """One article's place in the issue."""

    article: ArticlePage
    heading: str
    position: int  # 1-based
    url: str


def _issue(slug: str) -> IssuePage:
    issue = IssuePage.objects.live().filter(slug=slug).select_related("cover_image").first()
    if issue is None:
        raise Http404("No such issue.")
    return cast(IssuePage, issue)


def stops(issue: IssuePage) -> list[Stop]:
    """The issue's published articles in reading order (newsroom's grouping), each with its reader URL."""
    found: list[Stop] = []
    for heading, articles in issue.contents_by_section():
        for article in articles:
            url = reverse("editions:reader-article", args=[issue.slug, article.slug])
            found.append(Stop(article, heading, len(found) + 1, url))
    return found


def _personal(response: HttpResponse, request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        response["Cache-Control"] = "private, no-cache"
    else:
        mark_shared_cacheable(response)
    return response


@require_http_methods(["GET", "HEAD"])
def front(request: HttpRequest, slug: str) -> HttpResponse:
    issue = _issue(slug)
    route = stops(issue)
    groups: list[tuple[str, list[Stop]]] = []
    for stop in route:
        if not groups or groups[-1][0] != stop.heading:
            groups.append((stop.heading, []))
        groups[-1][1].append(stop)
    context = {
        "issue": issue,
        "page": issue,
        "groups": groups,
        "first": route[0] if route else None,
        "total": len(route),
        "cover_lines": issue.cover_line_list([stop.article for stop in route]),
    }
    response = TemplateResponse(request, "editions/reader/front.html", context)
    response.render()
    return _personal(response, request)


@require_http_methods(["GET", "HEAD"])
def article(request: HttpRequest, slug: str, article_slug: str) -> HttpResponse:
    issue = _issue(slug)
    route = stops(issue)
    here = next((stop for stop in route if stop.article.slug == article_slug), None)
    if here is None:
        raise Http404("This article is not in this issue.")
    page = here.article
    reading = reading_for(request, page)
    index = here.position - 1
    context: dict[str, Any] = {
        "issue": issue,
        "page": page,
        "stop": here,
        "reading": reading,
        "blocks": reading.blocks,
        "previous": route[index - 1] if index > 0 else None,
        "next": route[index + 1] if index + 1 < len(route) else None,
        "total": len(route),
        "percent": round(100 * here.position / len(route)),
        "front_url": reverse("editions:reader", args=[issue.slug]),
    }
    response = TemplateResponse(request, "editions/reader/article.html", context)
    response.render()
    if reading.shared_cacheable:
        mark_shared_cacheable(response)
    else:
        # Personal (the full text for a subscriber, a metered read): no cache may keep it for another reader.
        response["Cache-Control"] = "private, no-store"
    return response
