"""On PostgreSQL a signed-in page's fixed lookups run as prepared statements, and a kept connection
whose server went away is noticed by the per-request check and replaced (masthead/core/db.py,
masthead/core/postgresql)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from masthead.core.db import hot_cursor

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db
def test_a_signed_in_page_prepares_its_session_user_and_grant_lookups(client_for, magazine):
    reader = client_for("subscriber")
    with CaptureQueriesContext(connection) as seen:
        html = reader.get(magazine.subscriber_article.url).content.decode()
    assert ">Account</a>" in html
    prepared = " ".join(_prepared())
    for table in ("django_session", "auth_user", "members_grant"):
        assert table in prepared, f"{table} lookup not prepared: {prepared}"
    # Still logged and counted like any other query.
    assert any("members_grant" in query["sql"] for query in seen.captured_queries)


@pytest.mark.django_db
def test_turned_off_nothing_is_prepared(client_for, magazine):
    with override_settings(DB_PREPARED_STATEMENTS=False):
        html = client_for("subscriber").get(magazine.subscriber_article.url).content.decode()
    assert ">Account</a>" in html
    assert not any("members_grant" in statement for statement in _prepared())


@pytest.mark.django_db
def test_hot_cursor_values_are_bound_not_spliced():
    hostile = "x' OR '1'='1"
    with hot_cursor(connection) as cursor:
        cursor.execute("SELECT %s::text", [hostile])
        assert cursor.fetchone()[0] == hostile


@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_dropped_fails_the_check_and_a_new_one_is_made():
    connection.ensure_connection()
    assert connection.is_usable()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        old_pid = cursor.fetchone()[0]
    # As a PostgreSQL restart does to every kept connection: the server ends it.
    other = connection.copy()
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [old_pid])
    finally:
        other.close()
    assert not connection.is_usable()
    connection.close_if_unusable_or_obsolete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != old_pid


@pytest.mark.django_db(transaction=True)
def test_a_connection_left_in_a_failed_transaction_is_not_reused():
    from django.db import DatabaseError, transaction

    with transaction.atomic():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1/0")
        except DatabaseError:
            pass
        # Inside the broken transaction, as Django's SELECT 1 check would find it.
        assert not connection.is_usable()
    assert connection.is_usable()
