"""How many queries each page costs a reader, pinned: cold (the page's own cache entries
empty, as right after a publish; the site-wide navigation and settings already known
to the process) and warm (served from the page cache or the page's shell).

A change that adds a query per card, per paragraph or per request shows here first.
Speed itself is measured in `make bench` (docs/benchmarks.md), never in tests.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from masthead.core import pagestore

PAGES = ["article", "section", "home", "issue", "author"]

# (page, reader) -> (cold, warm). A subscriber's warm page: the session, the user and
# the reader's grants (asked once per request however many parts ask:
# access.middleware); an issue adds its edition files for the downloads box. The
# shells carry what their holes need (the audio's state, the issue's slug), so no
# hole loads a page again; an article without audio yet asks its audio's state
# once per render (in the query that looks for its audio), not per reader. Cold pages
# take their sections from the menu the process knows, and a page under a parent whose
# pages are all of one kind (a section's articles) is routed in one query (core.routing).
EXPECTED = {
    ("article", "anonymous"): (7, 0),
    ("article", "subscriber"): (9, 3),
    ("section", "anonymous"): (5, 0),
    ("section", "subscriber"): (8, 3),
    ("home", "anonymous"): (8, 0),
    ("home", "subscriber"): (11, 3),
    ("issue", "anonymous"): (3, 0),
    ("issue", "subscriber"): (7, 4),
    ("author", "anonymous"): (5, 0),
    ("author", "subscriber"): (8, 3),
}


def _url(magazine, page):
    return {
        "article": magazine.subscriber_article.url,
        "section": magazine.sections["Politics"].url,
        "home": magazine.home.url,
        "issue": magazine.issue.url,
        "author": magazine.author.url,
    }[page]


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("reader", ["anonymous", "subscriber"])
@pytest.mark.parametrize("page", PAGES)
def test_queries_per_page(client_for, magazine, page, reader):
    client = client_for(reader)
    # The process has served the site before: navigation, settings, the site itself are known.
    client.get(magazine.sections["Culture"].url)
    url = _url(magazine, page)
    client.get(url)
    pagestore.clear()  # as after this page's publish: nothing of it cached
    cold = _count(client, url)
    warm = _count(client, url)
    # Ceilings, not exact counts: what the process served before (warm templates,
    # site-wide facts) can save a query, never add one.
    ceiling_cold, ceiling_warm = EXPECTED[(page, reader)]
    assert cold <= ceiling_cold and warm <= ceiling_warm, (cold, warm)
