"""Database helpers shared by every app."""

from __future__ import annotations

from django.db import connection


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
        elif connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
