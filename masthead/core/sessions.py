"""The database session store with its one read written as plain SQL.

Every signed-in request reads its session. Django's store builds that
query through the ORM each time (~0.5 ms of CPU, a third of a cached
page for a subscriber); the SQL below is the same lookup, without the
building. Writes, expiry and everything else are Django's.

    SESSION_ENGINE = "masthead.core.sessions"   (settings.py, without REDIS_URL)
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.utils import timezone

from masthead.core.db import hot_cursor


class _Row:
    """What load() reads of the session row (a model instance would cost more than the query)."""

    __slots__ = ("session_data",)

    def __init__(self, session_data: str) -> None:
        self.session_data = session_data


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self) -> Any:
        key = self.session_key
        if key is None:
            return None
        model = self.model
        using = router.db_for_read(model)
        connection = connections[using]
        table = connection.ops.quote_name(model._meta.db_table)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with hot_cursor(connection) as cursor:
            cursor.execute(f"SELECT session_data FROM {table} WHERE session_key = %s AND expire_date > %s", [key, now])  # noqa: S608 (table name from the model)
            row = cursor.fetchone()
        if row is None:
            # As Django's store does: a missing or expired session gets a new key when saved.
            self._session_key = None
            return None
        return _Row(row[0])
