"""Database helpers shared by every app."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper


def serialize(*names: str) -> None:
    """Make transactions that name the same thing take turns, until this transaction ends.

    For check-then-write rules ("fewer than N rows? then add one") that two
    requests in two workers must not both pass at once. PostgreSQL gets a
    transaction-scoped advisory lock per name, taken in sorted order so two
    callers never deadlock. SQLite needs nothing: its transactions here are
    IMMEDIATE (settings.py), so only one writer is ever inside one.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("serialize() holds its locks until the transaction ends: call it inside transaction.atomic()")
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for name in sorted(set(names)):
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [name])


# Rows ANALYZE samples per index on SQLite: enough for the planner to tell a six-row table from a
# 100,000-row one, and a whole-database pass stays near a tenth of a second at that size.
SQLITE_ANALYSIS_LIMIT = 1000


def refresh_statistics() -> None:
    """Refresh the query planner's table statistics (daily, and after bulk writes such as an index rebuild).

    SQLite keeps none until ANALYZE runs, and without them it guesses join
    order: with 100,000 articles it walked every page to find the six sections
    for the search page's menu (50–90 ms) instead of reading the six rows.
    PostgreSQL's autovacuum analyzes by itself; doing it here too after bulk
    writes saves waiting for it.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")
            cursor.execute("ANALYZE")
            _note_empty_tables(cursor)
        elif connection.vendor == "postgresql":
            cursor.execute("ANALYZE")


def _note_empty_tables(cursor: Any) -> None:
    """Record "about one row" for every table ANALYZE left without statistics (it writes none for an empty one).

    Without a row SQLite assumes a large table, and so read 100,000 pages to
    join them to an empty view-restriction table (Wagtail's `public()`: 12 ms on
    every search page) instead of reading the empty table first.
    """
    cursor.execute(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'"
    )
    tables = {row[0] for row in cursor.fetchall()}
    cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
    missing = sorted(tables - {row[0] for row in cursor.fetchall()})
    if missing:
        cursor.executemany("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (%s, NULL, '1')", [(t,) for t in missing])
        # Load what sqlite_stat1 now says into the planner (other connections load it on their next schema check).
        cursor.execute("ANALYZE sqlite_schema")


@contextmanager
def hot_cursor(using: BaseDatabaseWrapper) -> Iterator[Any]:
    """A cursor for the few fixed queries every signed-in request runs (session, user, grant).

    On PostgreSQL these are sent as prepared statements with their values bound
    on the server (masthead/core/postgresql): the server parses and plans each
    one once per connection instead of on every page, and the worker skips
    quoting the values into the SQL (docs/benchmarks.md: −36% of the CPU of a
    subscriber's page). Django's own queries stay as they are. Elsewhere, or
    with DB_PREPARED_STATEMENTS=0, it is an ordinary cursor. Either way it is
    Django's wrapper: query logging, counting and error translation work as
    for any other.
    """
    prepared = getattr(using, "prepared_cursor", None)
    with (prepared and prepared()) or using.cursor() as cursor:
        yield cursor
