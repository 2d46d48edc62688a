"""Django's PostgreSQL backend with a cheaper health check, and prepared statements on request.

With `CONN_HEALTH_CHECKS` (settings.py: a worker whose connection died in a
PostgreSQL restart reconnects instead of failing its next request) Django
pings a reused connection once per request with `SELECT 1` through a full
cursor: a parse, a plan and a row on the server and the whole cursor
machinery in the worker, on every signed-in page. An empty query makes the
same round trip, so it finds a dead server or a broken connection as surely,
and costs a fraction of either side (measured in docs/benchmarks.md).

Django turns psycopg's prepared statements off (prepare_threshold None) so
that transaction-mode poolers keep working; psycopg then refuses to prepare
even a query that asks. With DB_PREPARED_STATEMENTS the threshold is set out
of reach instead: nothing is prepared by count, and the queries run through
`prepared_cursor()` (masthead.core.db.hot_cursor), which ask, are.

    ENGINE = "masthead.core.postgresql"   (settings.py, with DATABASE_URL)
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.backends.postgresql import base, operations
from django.db.backends.utils import CursorWrapper
from psycopg import pq

# Executions before psycopg prepares a query by itself: never, in practice (a query has to ask).
ONLY_WHEN_ASKED = 2**62


class PreparedCursor(base.ServerBindingCursor):  # type: ignore[name-defined]
    """Values bound on the server, and every query prepared once per connection."""

    def execute(self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: bool | None = None) -> Any:
        return super().execute(query, params, prepare=True, binary=binary)


class DatabaseOperations(operations.DatabaseOperations):
    def last_executed_query(self, cursor: Any, sql: str, params: Any) -> str:
        # A prepared query keeps its values apart from its text: show them in place, as Django does
        # for its own server-side binding (only logged queries get here, never a production request).
        if isinstance(cursor, PreparedCursor):
            try:
                return str(self.compose_sql(sql, params))
            except Exception:  # noqa: BLE001 (a log line is not worth an error)
                return sql
        return super().last_executed_query(cursor, sql, params)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        if settings.DB_PREPARED_STATEMENTS and connection.prepare_threshold is None:
            connection.prepare_threshold = ONLY_WHEN_ASKED
        return connection

    def prepared_cursor(self) -> CursorWrapper | None:
        """Django's cursor wrapper around a PreparedCursor; None where psycopg would not prepare."""
        if not settings.DB_PREPARED_STATEMENTS:
            return None
        self.ensure_connection()
        if self.connection.prepare_threshold is None:  # connected while the setting was off
            return None
        with self.wrap_database_errors:
            return self._prepare_cursor(PreparedCursor(self.connection))  # type: ignore[attr-defined]

    def is_usable(self) -> bool:
        if self.connection is None:
            return False
        try:
            result = self.connection.pgconn.exec_(b"")
        except Exception:  # noqa: BLE001 (any failure to talk to the server means: reconnect)
            return False
        # Anything but an empty-query answer (a fatal error, a connection reset) means the same; so does a
        # transaction left failed, where Django's SELECT 1 would have failed and the empty query would not.
        pgconn = self.connection.pgconn
        return bool(
            result.status == pq.ExecStatus.EMPTY_QUERY
            and pgconn.status == pq.ConnStatus.OK
            and pgconn.transaction_status != pq.TransactionStatus.INERROR
        )
