"""The results page: headline, dek, section, date and snippet, ten a page, query kept across pages."""

from __future__ import annotations

from datetime import date

from masthead.search.snippets import make_snippet
from masthead.testing import builders


def test_results_show_headline_dek_section_date_and_paginate(client, magazine):
    for n in range(12):
        builders.make_article(
            magazine.sections["Environment"],
            f"Glacier Report {n:02d}",
            authors=[magazine.author],
            dek=f"Meltwater dispatch number {n}.",
            paragraphs=["The glacier retreated again this summer, surveyors said."],
            on=date(2024, 4, 1 + n),
        )
    first = client.get("/search/", {"q": "glacier"}).content.decode()
    assert "12 results for “glacier”" in first
    assert first.count('class="search-result"') == 10
    assert "Environment" in first and "Meltwater dispatch number" in first
    assert 'href="?q=glacier&amp;page=2"' in first
    assert "<mark>glacier</mark>" in first
    second = client.get("/search/", {"q": "glacier", "page": 2}).content.decode()
    assert second.count('class="search-result"') == 2
    assert "April" in second and "2024" in second


def test_empty_query_shows_only_the_form(client, magazine):
    html = client.get("/search/").content.decode()
    assert 'name="q"' in html and "result" not in html.split("</form>")[1]


def test_snippet_starts_near_the_first_term():
    text = "First sentence here. " * 20 + "The rare word appears in this sentence. " + "Tail text. " * 20
    snippet = str(make_snippet(text, "rare"))
    assert snippet.startswith("The <mark>rare</mark> word")
    assert snippet.endswith("…") and len(snippet) < 300
