"""/search/?q= — archive search over articles, never past the paywall.

The index holds only what anonymous readers see (ArticlePage.search_fields),
and snippets come from the gate's anonymous reading, so neither the result
list nor its snippets can reveal text behind the preview marker.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from masthead.access.gate import anonymous_reading
from masthead.newsroom.models import ArticlePage, with_sections
from masthead.search.snippets import make_snippet

PER_PAGE = 10
MAX_QUERY = 200
MAX_WORDS = 12


def search_articles(query: str) -> Any:
    # Words only: quotes, brackets and operators would reach SQLite's FTS5
    # query syntax (an unbalanced quote is an error there), and readers mean words.
    words = re.findall(r"\w+", query)[:MAX_WORDS]
    articles = ArticlePage.objects.live().public().specific()
    if not words:
        return articles.none()
    return articles.search(" ".join(words), operator="and", order_by_relevance=True)


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    query = (request.GET.get("q") or "").strip()[:MAX_QUERY]
    results = None
    if query:
        page = Paginator(search_articles(query), PER_PAGE).get_page(request.GET.get("page"))
        rows = []
        for article in with_sections(page.object_list):
            text = article.plain_text(anonymous_reading(article).blocks) or article.dek
            rows.append({"article": article, "section": article.section, "snippet": make_snippet(text, query)})
        results = {"page": page, "rows": rows}
    response = render(request, "search/search.html", {"query": query, "results": results})
    # Results depend only on the query, but a query is personal: keep it out of shared caches.
    response["Cache-Control"] = "private, max-age=0"
    return response
