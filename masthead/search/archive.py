"""The archive search itself: words and filters as one full-text match on the archive index.

One function answers the search page and the benchmark alike, so what is
measured is what readers get. The index (models.ArchiveEntry) holds only what
every reader may see, so words after a paywall cut are never found.

Speed (issue #9: p95 < 50 ms over 100,000 articles), in three moves:
- Filters are tokens in the index (section, author, issue, year), so a filtered
  search is one MATCH / @@ — no join to pages, bylines or issue contents.
- Rows are keyed in date order, and the first statement asks the engine for
  the newest LIMIT + 1 matching keys only: that is the "newest first" list, the
  count (capped: "1,000+ results") and the window relevance is ranked in.
- "Best match" ranks (bm25 / ts_rank) only the newest LIMIT matches: a word in a
  quarter of the archive costs a thousand rankings, not twenty-five thousand.
  Below LIMIT matches that is every match, the same answer as ranking them all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, overload

from django.conf import settings
from django.db import connection

from masthead.newsroom.models import ArticlePage, AuthorPage, IssueArticle, IssuePage, SectionPage
from masthead.search import index
from masthead.search.models import ArchiveEntry

MAX_QUERY_CHARS = 200
MAX_WORDS = 12
RELEVANCE = "relevance"
NEWEST = "newest"
# Results a search lists (and ranks, for "best match"); past it the page says "1,000+ results".
LIMIT = 1000


@dataclass(frozen=True)
class Filters:
    section: SectionPage | None = None
    author: AuthorPage | None = None
    issue: IssuePage | None = None
    year: int | None = None

    def __bool__(self) -> bool:
        return any(value is not None for value in (self.section, self.author, self.issue, self.year))

    def tokens(self) -> list[str]:
        tokens = []
        if self.section is not None:
            tokens.append(index.section_token(self.section.pk))
        if self.author is not None:
            tokens.append(index.author_token(self.author.pk))
        if self.issue is not None:
            tokens.append(index.issue_token(self.issue.pk))
        if self.year is not None:
            tokens.append(index.year_token(self.year))
        return tokens


def words_of(query: str) -> list[str]:
    # Words only: quotes, brackets and operators would reach FTS5's query syntax
    # (an unbalanced quote is an error there), and readers mean words.
    return re.findall(r"\w+", query[:MAX_QUERY_CHARS])[:MAX_WORDS]


class _Engine:
    """The two statements a search needs, in one database's full-text dialect."""

    def __init__(self, words: list[str], tokens: list[str]) -> None:
        self.words, self.tokens = words, tokens

    def newest_keys(self, limit: int) -> list[int]:
        raise NotImplementedError

    def ranked_keys(self, *, at_least: int, limit: int, offset: int) -> list[int]:
        raise NotImplementedError

    @staticmethod
    def rows(sql: str, params: list[Any]) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [row[0] for row in cursor.fetchall()]


class _SQLite(_Engine):
    TABLE = "search_archive_fts"

    def match(self) -> str:
        # Words are \w+ only, each quoted as an FTS5 string; the column filters keep a word from
        # matching a facet token and a facet token from matching text.
        parts = []
        if self.words:
            parts.append("{title body} : (" + " AND ".join(f'"{w}"' for w in self.words) + ")")
        if self.tokens:
            parts.append("facets : (" + " AND ".join(f'"{t}"' for t in self.tokens) + ")")
        return " AND ".join(parts)

    def newest_keys(self, limit: int) -> list[int]:
        sql = f"SELECT rowid FROM {self.TABLE} WHERE {self.TABLE} MATCH %s ORDER BY rowid DESC LIMIT %s"  # noqa: S608
        return self.rows(sql, [self.match(), limit])

    def ranked_keys(self, *, at_least: int, limit: int, offset: int) -> list[int]:
        # FTS5 takes the rowid bound into its scan, and `rank` is bm25 with the weights set at creation.
        sql = (
            f"SELECT rowid FROM {self.TABLE} WHERE {self.TABLE} MATCH %s AND rowid >= %s "  # noqa: S608
            "ORDER BY rank, rowid DESC LIMIT %s OFFSET %s"
        )
        return self.rows(sql, [self.match(), at_least, limit, offset])


class _Postgres(_Engine):
    def query(self) -> tuple[str, list[Any]]:
        config = settings.WAGTAILSEARCH_BACKENDS["default"].get("SEARCH_CONFIG") or "english"
        parts, params = [], []
        if self.words:
            parts.append("plainto_tsquery(%s::regconfig, %s)")
            params += [config, " ".join(self.words)]
        if self.tokens:
            parts.append("to_tsquery('simple', %s)")
            params.append(" & ".join(self.tokens))
        return " && ".join(parts), params

    def newest_keys(self, limit: int) -> list[int]:
        query, params = self.query()
        sql = f"SELECT key FROM search_archiveentry WHERE document @@ ({query}) ORDER BY key DESC LIMIT %s"  # noqa: S608
        return self.rows(sql, [*params, limit])

    def ranked_keys(self, *, at_least: int, limit: int, offset: int) -> list[int]:
        query, params = self.query()
        config = settings.WAGTAILSEARCH_BACKENDS["default"].get("SEARCH_CONFIG") or "english"
        # Ranked on the words alone (every match has its facets); weights: headline A, the rest B.
        sql = (
            f"SELECT key FROM search_archiveentry WHERE document @@ ({query}) AND key >= %s "  # noqa: S608
            "ORDER BY ts_rank(document, plainto_tsquery(%s::regconfig, %s)) DESC, key DESC LIMIT %s OFFSET %s"
        )
        return self.rows(sql, [*params, at_least, config, " ".join(self.words), limit, offset])


def _engine(words: list[str], tokens: list[str]) -> _Engine:
    if connection.vendor == "sqlite":
        return _SQLite(words, tokens)
    if connection.vendor == "postgresql":
        return _Postgres(words, tokens)
    raise RuntimeError(f"Archive search needs SQLite (FTS5) or PostgreSQL, not {connection.vendor}")


class ArchiveResults:
    """A search's results as a Paginator wants them: `count()` and slices of articles, each slice one query or two.

    `more` is true when more than LIMIT articles match: the count then stops at
    LIMIT and the page says so.
    """

    def __init__(self, words: list[str], filters: Filters, *, order: str) -> None:
        self.ranked = bool(words) and order != NEWEST
        self.more = False
        # Article id -> its anonymous reading as indexed, for each article listed so far: what snippets quote.
        self.readings: dict[int, str] = {}
        self._keys: list[int] = []
        if not words and not filters:
            return
        self._engine = _engine(words, filters.tokens())
        keys = self._engine.newest_keys(LIMIT + 1)
        self.more, self._keys = len(keys) > LIMIT, keys[:LIMIT]

    def count(self) -> int:
        return len(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[ArticlePage]:
        return iter(self[:])

    @overload
    def __getitem__(self, which: int) -> ArticlePage: ...

    @overload
    def __getitem__(self, which: slice) -> list[ArticlePage]: ...

    def __getitem__(self, which: int | slice) -> ArticlePage | list[ArticlePage]:
        if isinstance(which, int):
            return self[which : which + 1][0]
        start, stop, _ = which.indices(len(self._keys))
        if stop <= start:
            return []
        if self.ranked:
            keys = self._engine.ranked_keys(at_least=self._keys[-1], limit=stop - start, offset=start)
        else:
            keys = self._keys[start:stop]
        ids = [index.article_id_of(key) for key in keys]
        articles = _articles(ids)
        self.readings.update(_readings([article.pk for article in articles]))
        return articles


# What a result shows (headline, standfirst, date, access mark, link, section): not the body, the
# largest column by far, whose reading the index already holds for snippets.
LISTED_FIELDS = ("title", "slug", "url_path", "path", "depth", "locale_id", "live", "date", "dek", "access")


def _articles(ids: list[int]) -> list[ArticlePage]:
    """The articles in `ids` order, each with its byline: three queries for a page.

    Checked against the pages again (live, no view restriction), so a row the
    index has not caught up with yet is left out rather than shown.
    """
    found = (
        ArticlePage.objects.live()
        .public()
        .filter(pk__in=ids)
        .only(*LISTED_FIELDS)
        .prefetch_related("article_authors__author")
        .in_bulk()
    )
    return [found[pk] for pk in ids if pk in found]


def _readings(article_ids: list[int]) -> dict[int, str]:
    """Each article's anonymous reading as the index holds it (written through the gate on publish): one query."""
    rows = ArchiveEntry.objects.filter(article_id__in=article_ids).values_list("article_id", "body")
    return {article_id: index.reading_of(body) for article_id, body in rows}


def search_archive(query: str, filters: Filters = Filters(), *, order: str = RELEVANCE) -> ArchiveResults:
    """Articles matching every word of `query` within `filters`, best match (or newest) first.

    Without words, filters alone list their articles newest first; with neither
    there is nothing to show.
    """
    return ArchiveResults(words_of(query), filters, order=order)


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
