"""The archive is searched by the database's own full-text engine, never by the slow LIKE fallback."""

from __future__ import annotations

import pytest
from django.db import connection
from wagtail.search.backends import get_search_backend


def test_sqlite_uses_fts5_and_postgresql_its_full_text_search(db):
    backend = type(get_search_backend()).__name__
    expected = {"sqlite": "SQLiteSearchBackend", "postgresql": "PostgresSearchBackend"}[connection.vendor]
    assert backend == expected


def test_on_postgresql_stemming_finds_other_forms_of_a_word(client, magazine):
    # SQLite's FTS5 tokenizer (unicode61) does not stem; PostgreSQL's "english" configuration does.
    if connection.vendor != "postgresql":
        pytest.skip("stemming is PostgreSQL's (SEARCH_CONFIG english)")
    from masthead.testing import builders

    builders.make_article(
        magazine.sections["Foreign Affairs"], "Border Treaties Signed", authors=[magazine.author], paragraphs=["Talks ended."]
    )
    html = client.get("/search/", {"q": "treaty"}).content.decode()
    assert "Border Treaties Signed" in html
