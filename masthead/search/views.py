"""/search/ — archive search over every article, with filters, never past the paywall.

The index holds only what anonymous readers see (ArticlePage.search_fields),
and snippets come from the gate's anonymous reading, so neither the result
list nor its snippets can reveal text behind the preview marker — for any
reader: the page is the same for a subscriber, who reads the rest on the
article page.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from masthead.access.gate import anonymous_reading
from masthead.newsroom.models import ArticlePage, AuthorPage, IssuePage, SectionPage, with_sections
from masthead.search.archive import Filters, issues_of, search_archive
from masthead.search.forms import ArchiveSearchForm
from masthead.search.snippets import make_snippet

PER_PAGE = 10
ISSUES_LISTED = 24


def _snippet(article: ArticlePage, query: str) -> Any:
    text = article.plain_text(anonymous_reading(article).blocks)
    if not text:
        # Nothing readable past the standfirst, which the result already shows.
        return ""
    return make_snippet(text, query)


def _rows(articles: list[ArticlePage], query: str) -> list[dict[str, Any]]:
    articles = with_sections(articles)
    issues = issues_of([article.pk for article in articles])
    return [
        {"article": article, "section": article.section, "issue": issues.get(article.pk), "snippet": _snippet(article, query)}
        for article in articles
    ]


def _choices(filters: Filters | None) -> dict[str, Any]:
    """The options of the filter menus: every section and author; the issues of the chosen year, or the latest."""
    issues = IssuePage.objects.live().newest_first().only("slug", "volume", "number", "cover_date")
    if filters is not None and filters.year is not None:
        issues = issues.filter(cover_date__year=filters.year)
    listed = list(issues[:ISSUES_LISTED])
    if filters is not None and filters.issue is not None and filters.issue not in listed:
        listed.insert(0, filters.issue)
    return {
        # Slugs and names only: the menus are on every search page.
        "sections": SectionPage.objects.live().order_by("title").values("slug", "title"),
        "authors": AuthorPage.objects.live().order_by("title").values("slug", "title"),
        "issues": listed,
    }


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    form = ArchiveSearchForm(request.GET)
    context: dict[str, Any] = {"form": form, "query": "", "results": None, "filters": None}
    status = 200
    if not form.is_valid():
        # A filter that names nothing (?section=nope, ?year=abc, ?page=abc) is a mistake in the link: say which.
        status = 400
    else:
        query = form.cleaned_data["q"]
        filters = form.filters()
        context.update(query=query, filters=filters)
        if query or filters:
            found = search_archive(query, filters, order=form.cleaned_data["sort"] or "relevance")
            page = Paginator(found, PER_PAGE).get_page(form.cleaned_data["page"])
            # Past LIMIT matches the count stops there, and the page says "More than 1,000 results".
            more_than = f"{found.count():,}" if found.more else ""
            context["results"] = {"page": page, "rows": _rows(list(page.object_list), query), "more_than": more_than}
    context.update(_choices(context["filters"]))
    response = render(request, "search/search.html", context, status=status)
    # Results are the same for every reader, but a query is personal: keep it out of shared caches.
    response["Cache-Control"] = "private, max-age=0"
    return response
