"""The archive index: one row per readable article, searched by the database's own full-text engine.

A row holds only what every reader may see (headline; standfirst, bylines, tags
and the anonymous reading) plus filter tokens ("facets": section, authors,
issues, year), so a filter is part of the full-text match instead of a join.
Its key orders rows by publication date (date ordinal << 32 | article id): the
engine walks matches newest first and stops after a page, and relevance is
ranked within a bounded window of the newest matches (masthead/search/archive.py).

The full-text side is not a Django field: on SQLite an FTS5 table kept in step
by triggers (external content: the text is stored once, here), on PostgreSQL a
generated, weighted tsvector column with a GIN index. Both are made by
migration 0001 and rebuilt with the rows when FORMAT changes (index.py).
"""

from __future__ import annotations

from django.db import models


class ArchiveEntry(models.Model):
    key = models.BigIntegerField(primary_key=True)
    article = models.OneToOneField("newsroom.ArticlePage", on_delete=models.CASCADE, related_name="+")
    title = models.TextField()
    body = models.TextField()
    # Space-padded tokens ("␠zzsec12 zzaut4 zzyr2019␠"), so one can also be found with LIKE '% token %'.
    facets = models.TextField()

    def __str__(self) -> str:
        return self.title


class IndexFormat(models.Model):
    """The format the archive index was last built in: a mismatch after `migrate` rebuilds it."""

    version = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"archive index format {self.version}"
