"""Writing the archive index (models.ArchiveEntry): what a row holds, when it changes, rebuilding it.

A row is written for a live article that no view restriction hides, from what
the anonymous reader sees (ArticlePage.search_preview goes through the gate),
so neither a match nor a snippet can come from paid text. Signals (signals.py)
rewrite the rows an edit touches; `ensure_current_format` runs after every
`migrate` and rebuilds everything when FORMAT differs from the one the index
was built in, so an existing site is re-indexed when the format changes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import connection, transaction

from masthead.core.db import refresh_statistics
from masthead.newsroom.models import ArticlePage, IssueArticle, with_sections
from masthead.search.models import ArchiveEntry, IndexFormat

# Bump when what a row holds, or how it is keyed or tokenised, changes: the next `migrate` rebuilds the index.
# 2: the body keeps one line each for standfirst, bylines and tags, so the reading can be cut back out (reading_of).
FORMAT = 2
BATCH = 500
ID_BITS = 32


def key_of(on: date, article_id: int) -> int:
    """Date order as an integer key: the full-text engines walk matches in key order, newest first for DESC."""
    return (on.toordinal() << ID_BITS) | article_id


def article_id_of(key: int) -> int:
    return key & ((1 << ID_BITS) - 1)


def section_token(section_id: int) -> str:
    return f"zzsec{section_id}"


def author_token(author_id: int) -> str:
    return f"zzaut{author_id}"


def issue_token(issue_id: int) -> str:
    return f"zziss{issue_id}"


def year_token(year: int) -> str:
    return f"zzyr{year}"


def facets_of(*, section_id: int | None, author_ids: Iterable[int], issue_ids: Iterable[int], on: date) -> str:
    tokens = [section_token(section_id)] if section_id is not None else []
    tokens += [author_token(a) for a in sorted(set(author_ids))]
    tokens += [issue_token(i) for i in sorted(set(issue_ids))]
    tokens.append(year_token(on.year))
    return " " + " ".join(tokens) + " "


def body_of(*, dek: str, author_names: str, tags: Iterable[str], preview: str) -> str:
    """Everything but the headline: standfirst, bylines and tags a line each (empty when there are none), then the reading.

    The fixed first three lines let the search page cut its snippets from the
    reading stored here (reading_of) instead of loading every result's body and
    running the gate again.
    """
    head = [" ".join(part.split()) for part in (dek, author_names, " ".join(tags))]
    return "\n".join([*head, preview])


def reading_of(body: str) -> str:
    """The anonymous reading within a row's body (body_of): what a snippet may quote."""
    parts = body.split("\n", 3)
    return parts[3] if len(parts) == 4 else ""


def entries_for(article_ids: Iterable[int]) -> list[ArchiveEntry]:
    """The rows for those of `article_ids` that every reader may find (live, not view-restricted)."""
    articles = with_sections(
        ArticlePage.objects.live()
        .public()
        .filter(pk__in=list(article_ids))
        .prefetch_related("article_authors__author", "tags")
        .order_by("pk")
    )
    if not articles:
        return []
    ids = [article.pk for article in articles]
    issues: dict[int, list[int]] = defaultdict(list)
    for article_id, issue_id in IssueArticle.objects.filter(article_id__in=ids).values_list("article_id", "issue_id"):
        issues[article_id].append(issue_id)
    return [
        ArchiveEntry(
            key=key_of(article.date, article.pk),
            article_id=article.pk,
            title=article.title,
            body=body_of(
                dek=article.dek,
                author_names=article.author_names(),
                tags=[tag.name for tag in article.tags.all()],
                preview=article.search_preview(),
            ),
            facets=facets_of(
                section_id=article.section.pk if article.section is not None else None,
                author_ids=[rel.author_id for rel in article.article_authors.all()],
                issue_ids=issues[article.pk],
                on=article.date,
            ),
        )
        for article in articles
    ]


def reindex_articles(article_ids: Iterable[int]) -> None:
    """Rewrite the rows of these articles (removing those no longer findable), in batches."""
    ids = sorted(set(article_ids))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        with transaction.atomic():
            # Delete and insert, never update in place: the key moves with the article's date.
            ArchiveEntry.objects.filter(article_id__in=chunk).delete()
            ArchiveEntry.objects.bulk_create(entries_for(chunk))


def remove_articles(article_ids: Iterable[int]) -> None:
    ArchiveEntry.objects.filter(article_id__in=list(article_ids)).delete()


def articles_with_facet(token: str) -> list[int]:
    return list(ArchiveEntry.objects.filter(facets__contains=f" {token} ").values_list("article_id", flat=True))


def rebuild(*, progress: Any = None) -> int:
    """Every row written afresh from the articles, then the format recorded: the number of rows.

    A transaction per batch, not one for the lot: after an upgrade that changes
    FORMAT, `migrate` re-indexes the whole archive (minutes at 100,000
    articles), and the site goes on serving meanwhile — one long transaction
    would hold off every publish (and on SQLite every write: sign-ups,
    payments) until it ended. Until the format is recorded the index mixes old
    and new rows; both hold only what anonymous readers see, and an interrupted
    rebuild is started again by the next `migrate`.
    """
    ids = list(ArticlePage.objects.live().order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        reindex_articles(ids[start : start + BATCH])
        if progress is not None:
            progress(min(start + BATCH, len(ids)), len(ids))
    # Rows of articles unpublished while the old format was in use (deleted pages took theirs with them).
    ArchiveEntry.objects.filter(article__live=False).delete()
    finish_rebuild()
    return ArchiveEntry.objects.count()


def finish_rebuild() -> None:
    """After writing every row: compact the full-text index, refresh the planner's statistics, record the format."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            # One b-tree per term instead of one segment per batch written: fewer pages read per MATCH.
            cursor.execute("INSERT INTO search_archive_fts(search_archive_fts) VALUES ('optimize')")
    refresh_statistics()
    with transaction.atomic():
        IndexFormat.objects.all().delete()
        IndexFormat.objects.create(version=FORMAT)


def ensure_current_format(**_: Any) -> None:
    """post_migrate: rebuild the index if it was built in another format (or never, as on a site that predates it)."""
    tables = connection.introspection.table_names()
    if ArchiveEntry._meta.db_table not in tables or IndexFormat._meta.db_table not in tables:
        return  # migrated to a state before the index existed
    if list(IndexFormat.objects.values_list("version", flat=True)) != [FORMAT]:
        rebuild()
