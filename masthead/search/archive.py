"""The archive search itself: words through Wagtail's search backend, filters in the same SQL.

One function answers the search page and the benchmark alike, so what is
measured is what readers get. The index holds only what every reader may see
(ArticlePage.search_fields: headline, standfirst, authors, tags and the
anonymous reading), so words after a paywall cut are never found.

Filters go on the queryset before `.search()`: Wagtail's database backends
(SQLite FTS5, PostgreSQL) run them in the same statement as the match. They
use only fields declared as FilterField on Page/ArticlePage (path, depth, id,
date), which is what the backends accept; author and issue become `id IN
(subquery)` on their join tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from masthead.newsroom.models import ArticleAuthor, ArticlePage, AuthorPage, IssueArticle, IssuePage, SectionPage

MAX_QUERY_CHARS = 200
MAX_WORDS = 12
RELEVANCE = "relevance"
NEWEST = "newest"


@dataclass(frozen=True)
class Filters:
    section: SectionPage | None = None
    author: AuthorPage | None = None
    issue: IssuePage | None = None
    year: int | None = None

    def __bool__(self) -> bool:
        return any(value is not None for value in (self.section, self.author, self.issue, self.year))


def words_of(query: str) -> list[str]:
    # Words only: quotes, brackets and operators would reach SQLite's FTS5 query
    # syntax (an unbalanced quote is an error there), and readers mean words.
    return re.findall(r"\w+", query[:MAX_QUERY_CHARS])[:MAX_WORDS]


def filtered_articles(filters: Filters) -> Any:
    """Every live, public article that passes the filters (no words involved)."""
    articles = ArticlePage.objects.live().public()
    if filters.section is not None:
        articles = articles.filter(path__startswith=filters.section.path, depth=filters.section.depth + 1)
    if filters.author is not None:
        articles = articles.filter(id__in=ArticleAuthor.objects.filter(author=filters.author).values("page_id"))
    if filters.issue is not None:
        articles = articles.filter(id__in=IssueArticle.objects.filter(issue=filters.issue).values("article_id"))
    if filters.year is not None:
        articles = articles.filter(date__gte=date(filters.year, 1, 1), date__lt=date(filters.year + 1, 1, 1))
    return articles


def search_archive(query: str, filters: Filters = Filters(), *, order: str = RELEVANCE) -> Any:
    """Articles matching every word of `query` within `filters`, best match (or newest) first.

    Without words, filters alone list their articles newest first; with neither
    there is nothing to show. The result is sliceable and has `.count()`, so a
    Paginator pages it with one LIMIT query and one COUNT.
    """
    words = words_of(query)
    # Each result shows its byline: one query for the page, not one per result.
    articles = filtered_articles(filters).prefetch_related("article_authors__author")
    if not words:
        return articles.newest_first() if filters else articles.none()
    if order == NEWEST:
        return articles.order_by("-date", "-id").search(" ".join(words), operator="and", order_by_relevance=False)
    return articles.search(" ".join(words), operator="and", order_by_relevance=True)


def issues_of(article_ids: list[int]) -> dict[int, IssuePage]:
    """The issue each article appeared in (the latest, if several), in one query for a page of results."""
    found: dict[int, IssuePage] = {}
    rows = (
        IssueArticle.objects.filter(article_id__in=article_ids, issue__live=True)
        .select_related("issue")
        .order_by("-issue__cover_date")
    )
    for row in rows:
        found.setdefault(row.article_id, row.issue)
    return found
