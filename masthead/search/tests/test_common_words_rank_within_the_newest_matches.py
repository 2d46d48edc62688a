"""A word in more than LIMIT articles: the count stops at LIMIT, and best match ranks the newest LIMIT matches.

LIMIT is 1,000 on the site; here it is 5, so that eight articles are "very common".
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from masthead.search import archive
from masthead.testing import builders


def _get(client, **params):
    response = client.get("/search/", params)
    assert response.status_code == 200
    html = response.content.decode()
    return html, re.findall(r'class="search-result__headline"><a href="[^"]*">([^<]+)</a>', html)


@pytest.fixture
def glaciers(magazine):
    for n in range(8):
        builders.make_article(
            magazine.sections["Environment"],
            f"Glacier Report {n:02d}",
            authors=[magazine.author],
            # The oldest says it most: the best match of all, but not among the newest five.
            paragraphs=["The glacier retreated again." + (" Glacier glacier glacier glacier." if n in (0, 6) else "")],
            on=date(2023, 1, 1 + n),
        )


def test_best_match_ranks_only_the_newest_matches_past_the_limit(client, glaciers, monkeypatch):
    monkeypatch.setattr(archive, "LIMIT", 5)
    html, found = _get(client, q="glacier")
    assert "More than 5 results for “glacier”" in html
    assert found[0] == "Glacier Report 06"  # the best match among the newest five
    assert sorted(found) == [f"Glacier Report {n:02d}" for n in range(3, 8)]
    assert "Glacier Report 00" not in html


def test_below_the_limit_every_match_is_ranked_and_counted(client, glaciers, monkeypatch):
    monkeypatch.setattr(archive, "LIMIT", 50)
    html, found = _get(client, q="glacier")
    assert "8 results for “glacier”" in html
    assert set(found[:2]) == {"Glacier Report 00", "Glacier Report 06"}


def test_newest_first_past_the_limit_lists_the_newest_and_pages_stop_at_the_limit(client, glaciers, monkeypatch):
    monkeypatch.setattr(archive, "LIMIT", 5)
    monkeypatch.setattr("masthead.search.views.PER_PAGE", 3)
    html, found = _get(client, q="glacier", sort="newest", section="environment")
    assert found == ["Glacier Report 07", "Glacier Report 06", "Glacier Report 05"]
    assert "More than 5 results" in html and "Page 1 of 2" in html
    _, second = _get(client, q="glacier", sort="newest", section="environment", page=2)
    assert second == ["Glacier Report 04", "Glacier Report 03"]
