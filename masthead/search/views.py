"""/search/ — archive search over every article, with filters, never past the paywall.

The index holds only what anonymous readers see (the gate's anonymous reading,
written on publish in the same transaction), and snippets are cut from that
stored reading, so neither the result list nor its snippets can reveal text
behind the preview marker — for any reader: the page is the same for a
subscriber, who reads the rest on the article page.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import dateformat
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_safe

from masthead.newsroom.models import ArticlePage, AuthorPage, IssuePage, SectionPage, with_sections
from masthead.search.archive import Filters, issues_of, search_archive
from masthead.search.forms import ArchiveSearchForm
from masthead.search.snippets import make_snippet

PER_PAGE = 10
ISSUES_LISTED = 24


def _snippet(reading: str, query: str) -> Any:
    if not reading:
        # Nothing readable past the standfirst, which the result already shows.
        return ""
    return make_snippet(reading, query)


def _rows(articles: list[ArticlePage], readings: dict[int, str], query: str) -> list[dict[str, Any]]:
    articles = with_sections(articles)
    issues = issues_of([article.pk for article in articles])
    return [
        {
            "article": article,
            "section": article.section,
            "issue": issues.get(article.pk),
            "snippet": _snippet(readings.get(article.pk, ""), query),
        }
        for article in articles
    ]


def _options(choices: Iterable[tuple[str, str]], chosen: object) -> SafeString:
    """<option>s for a filter menu, the chosen one selected, every value and label escaped.

    Built here rather than in a template loop: with a hundred or more authors the
    menus were most of the page's rendering time on every search.
    """
    return mark_safe(  # noqa: S308 — every interpolated value is escaped
        "".join(
            f'<option value="{escape(value)}"{" selected" if value == chosen else ""}>{escape(label)}</option>'
            for value, label in choices
        )
    )


def _choices(filters: Filters | None, data: Any) -> dict[str, Any]:
    """The options of the filter menus: every section and author; the issues of the chosen year, or the latest."""
    issues = IssuePage.objects.live().newest_first().only("slug", "volume", "number", "cover_date")
    if filters is not None and filters.year is not None:
        issues = issues.filter(cover_date__year=filters.year)
    listed = list(issues[:ISSUES_LISTED])
    if filters is not None and filters.issue is not None and filters.issue not in listed:
        listed.insert(0, filters.issue)
    # Slugs and names only: the menus are on every search page.
    sections = SectionPage.objects.live().order_by("title").values_list("slug", "title")
    authors = AuthorPage.objects.live().order_by("title").values_list("slug", "title")
    return {
        "section_options": _options(sections, data.get("section")),
        "author_options": _options(authors, data.get("author")),
        "issue_options": _options(
            ((i.slug, f"Vol. {i.volume} No. {i.number} · {dateformat.format(i.cover_date, 'M j, Y')}") for i in listed),
            data.get("issue"),
        ),
    }


@require_safe
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
            rows = _rows(list(page.object_list), found.readings, query)
            context["results"] = {"page": page, "rows": rows, "more_than": more_than}
    context.update(_choices(context["filters"], request.GET))
    response = render(request, "search/search.html", context, status=status)
    # Results are the same for every reader, but a query is personal: keep it out of shared caches.
    response["Cache-Control"] = "private, max-age=0"
    return response
