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
