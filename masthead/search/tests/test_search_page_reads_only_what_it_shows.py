"""The results page reads what it shows, not every result's body; snippets quote the index, which follows each publish."""

from __future__ import annotations

from datetime import date

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from masthead.newsroom.models import ArticlePage
from masthead.testing import builders
from masthead.testing.builders import body_json


def _search(client, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/search/", params)
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in queries.captured_queries]


def _articles(magazine, count):
    for n in range(count):
        builders.make_article(
            magazine.sections["Culture"],
            f"Opera Notes {n:02d}",
            authors=[magazine.author],
            paragraphs=[f"The opera season opened with premiere number {n}."],
            on=date(2024, 1, 1 + n),
        )


def test_results_never_load_article_bodies_and_cost_the_same_queries_for_two_or_ten(client, magazine):
    _articles(magazine, 2)
    _search(client, q="opera")  # the first request of a process also looks up the site and its settings
    html, few = _search(client, q="opera")
    assert html.count('class="search-result"') == 2 and "<mark>opera</mark>" in html
    _articles(magazine, 10)
    html, many = _search(client, q="opera")
    assert html.count('class="search-result"') == 10
    assert len(many) == len(few)
    assert not [sql for sql in many if '"newsroom_articlepage"."body"' in sql]


def test_a_snippet_follows_the_paywall_cut_as_soon_as_the_edit_is_published(client, magazine):
    words = ["Opening lines about the harbour.", "Harbour dredging contract details in full.", "Closing figures."]
    article = builders.make_article(
        magazine.sections["Finance"], "Harbour Deal", authors=[magazine.author], paragraphs=words, on=date(2024, 2, 1)
    )
    html, _ = _search(client, q="dredging")
    assert "<mark>dredging</mark> contract details" in html
    # The editor gates it after the first paragraph: the second one is now for subscribers only.
    article = ArticlePage.objects.get(pk=article.pk)
    article.access = "subscribers"
    article.body = body_json(words, preview_after=1)
    article.save_revision().publish()
    html, _ = _search(client, q="dredging")
    assert "Harbour Deal" not in html and "dredging contract" not in html
    html, _ = _search(client, q="harbour")
    assert "Harbour Deal" in html and "dredging" not in html and "Opening lines about the" in html


def test_filter_menus_keep_the_choice_and_escape_names(client, magazine):
    odd = builders.ensure_author(magazine.home, 'Zoë "Zed" <O\'Neil> & Co', role="Critic")
    html, _ = _search(client, author=odd.slug)
    assert f'<option value="{odd.slug}" selected>Zoë &quot;Zed&quot; &lt;O&#x27;Neil&gt; &amp; Co</option>' in html
    assert '<option value="finance">Finance</option>' in html
    html, _ = _search(client, section="finance")
    assert '<option value="finance" selected>Finance</option>' in html
    assert f'<option value="{odd.slug}">' in html


def test_analyze_database_gives_the_planner_statistics_for_every_table(magazine):
    call_command("analyze_database")
    if connection.vendor != "sqlite":
        return  # PostgreSQL: ANALYZE ran (no error); its statistics live in pg_statistic, kept by autovacuum too
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
        analyzed = {row[0] for row in cursor.fetchall()}
    assert {"wagtailcore_page", "newsroom_articlepage", "search_archiveentry"} <= analyzed
    # An empty table gets "about one row", not SQLite's default guess of a large one: joined with every
    # page (Wagtail's public()), it is then read first.
    with connection.cursor() as cursor:
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = 'wagtailcore_pageviewrestriction'")
        assert cursor.fetchall() == [("1",)]
