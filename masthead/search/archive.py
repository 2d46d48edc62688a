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

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from modelsearch.conf import get_app_config
from wagtail.models import Page
from wagtail.search.backends import get_search_backend

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
    there is nothing to show. The result is a queryset (sliceable, `.count()`),
    so a Paginator pages it with one LIMIT query and one COUNT.
    """
    words = words_of(query)
    # Each result shows its byline: one query for the page, not one per result.
    articles = filtered_articles(filters).prefetch_related("article_authors__author")
    if not words:
        return articles.newest_first() if filters else articles.none()
    ranked = _ranked(articles, words)
    if ranked is None:
        # Another database: Wagtail's own search call (correct, slower: see docs/benchmarks.md).
        if order == NEWEST:
            return articles.order_by("-date", "-id").search(" ".join(words), operator="and", order_by_relevance=False)
        return articles.search(" ".join(words), operator="and", order_by_relevance=True)
    return ranked.order_by("-date", "-id") if order == NEWEST else ranked.order_by("_rank", "-date", "-id")


def _ranked(articles: Any, words: list[str]) -> Any:
    """`articles` joined to the rows Wagtail's search backend wrote, matching every word, with a `_rank`.

    Wagtail's database backends filter with `id IN (matches)` and rank each
    result with a correlated subquery that runs the full-text match again per
    row: 1–4 s for one query on 2,000 articles here (docs/benchmarks.md). Joining
    the same index tables once and ranking in that join is what the database's
    own full-text engine is built for. Words are `\\w+` only and reach SQL as
    parameters. None on a database other than SQLite (with FTS5) or PostgreSQL.
    """
    backend = type(get_search_backend()).__name__
    entries = get_app_config().get_model("IndexEntry")._meta.db_table
    content_type = ContentType.objects.get_for_model(ArticlePage).pk
    page = Page._meta.db_table
    if backend == "SQLiteSearchBackend" and connection.vendor == "sqlite":
        fts = f"{entries}_fts"
        match = "{title body} : (" + " AND ".join(f'"{word}"' for word in words) + ")"
        return articles.extra(  # noqa: S610 (fixed SQL; the words and ids are parameters)
            tables=[entries, fts],
            where=[
                f"{fts} MATCH %s",
                f"{fts}.rowid = {entries}.id",
                # The unary + keeps SQLite's planner off the (content_type, object_id) index, which
                # would make it run the MATCH once per indexed row (10x slower, measured): the plan
                # is then FTS5 first, then primary-key lookups.
                f"+{entries}.content_type_id = %s",
                f"{page}.id = CAST({entries}.object_id AS INTEGER)",
            ],
            params=[match, content_type],
            # FTS5 columns are (autocomplete, body, title); the title counts double, as Wagtail boosts it.
            # bm25() is lower for better matches.
            select={"_rank": f"bm25({fts}, 0.0, 1.0, 2.0)"},
        )
    if backend == "PostgresSearchBackend" and connection.vendor == "postgresql":
        config = settings.WAGTAILSEARCH_BACKENDS["default"].get("SEARCH_CONFIG") or "english"
        # Each word in the title or the body: the same as (title || body) @@ all words for an AND
        # query, but each test can use the GIN index on its column. A stop word ("the") matches all.
        per_word = (
            f"(numnode(plainto_tsquery(%s::regconfig, %s)) = 0 OR {entries}.title @@ plainto_tsquery(%s::regconfig, %s) "
            f"OR {entries}.body @@ plainto_tsquery(%s::regconfig, %s))"
        )
        return articles.extra(  # noqa: S610 (fixed SQL; the words and ids are parameters)
            tables=[entries],
            where=[
                f"{entries}.content_type_id = %s",
                f"{page}.id = CAST({entries}.object_id AS INTEGER)",
                *[per_word] * len(words),
            ],
            params=[content_type, *[value for word in words for value in (config, word) * 3]],
            # Negated so that, as with bm25(), lower ranks first.
            select={"_rank": f"-ts_rank({entries}.title || {entries}.body, plainto_tsquery(%s::regconfig, %s))"},
            select_params=[config, " ".join(words)],
        )
    return None


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
