"""The leak matrix: text after the preview cut reaches only readers entitled to it, through every surface.

Surfaces are looped inside each test (building the magazine is the slow
part); failures are collected so one run lists every persona and surface
that leaked. Every gated article in the `magazine` fixture carries SECRET_MARKER after its
preview marker. The meter is off (hard paywall) so "not entitled" is exact.
A failure names the persona, the surface and the URL that leaked.
"""

from __future__ import annotations

import itertools
import re
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from masthead.testing.fixtures import SECRET_MARKER

PERSONAS = ["anonymous", "member", "lapsed", "refunded", "subscriber", "editor", "staff"]
# Who may read each access level in full.
ENTITLED = {
    "subscribers": {"subscriber", "editor", "staff"},
    "members": {"member", "lapsed", "refunded", "subscriber", "editor", "staff"},
}


def _search_url(query: str, **filters: str) -> str | None:
    try:
        base = reverse("search:search")
    except NoReverseMatch:
        return None
    return f"{base}?{urlencode({'q': query, **filters})}"


def _head(html: str) -> str:
    match = re.search(r"<head>(.*?)</head>", html, re.S)
    assert match, "page has no <head>"
    return match.group(1)


def _get(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return response.content.decode()


def _check(persona: str, access: str, surface: str, url: str, text: str, *, public_surface: bool = False) -> str | None:
    """None when the gate held for this reader, else a line saying what went wrong."""
    leaked = SECRET_MARKER in text
    if persona in ENTITLED[access] and not public_surface:
        return None if leaked else f"{persona}: entitled to the {access} article but {surface} ({url}) withheld the full text"
    return f"LEAK {persona}: text after the cut of the {access} article via {surface} ({url})" if leaked else None


def _assert_no_failures(failures: list[str | None]) -> None:
    found = [f for f in failures if f]
    assert not found, "\n".join(found)


@pytest.fixture
def gated(magazine):
    return {"subscribers": magazine.subscriber_article, "members": magazine.members_article}


@pytest.fixture
def readers(client_for):
    # Personas are looped inside each test (one magazine per surface keeps the matrix fast);
    # failures are collected so one run shows every persona that leaked.
    return {persona: client_for(persona) for persona in PERSONAS}


def test_article_page_body_and_head(gated, readers):
    failures = []
    for (persona, client), access in itertools.product(readers.items(), ENTITLED):
        url = gated[access].url
        html = _get(client, url)
        failures.append(_check(persona, access, "article HTML", url, html))
        # OpenGraph, Twitter card and JSON-LD are derived after the gate, never from the full body.
        failures.append(_check(persona, access, "page head (OpenGraph/JSON-LD)", url, _head(html), public_surface=True))
    _assert_no_failures(failures)


SURFACES = [("RSS", "/feeds/rss/"), ("Atom", "/feeds/atom/"), ("section RSS", "/feeds/finance/rss/"), ("sitemap", "/sitemap.xml")]


def test_feeds_and_sitemap_carry_teasers_only(gated, readers):
    failures = []
    for (persona, client), (surface, url) in itertools.product(readers.items(), SURFACES):
        text = _get(client, url)
        # The gated article is listed (so the check looks at its entry), only without the paid text.
        assert (gated["subscribers"].url if surface == "sitemap" else gated["subscribers"].title) in text
        failures += [_check(persona, access, surface, url, text, public_surface=True) for access in ENTITLED]
    _assert_no_failures(failures)


# (words, filters, lists the subscriber article): by title, by words after the cut, and through every
# filter — with and without words, so the teaser-only snippets are checked wherever the article is listed.
SEARCHES = [
    ("Investigation", {}, True),
    ("Briefing", {}, False),
    ("SECRET", {}, False),
    ("paragraph", {"sort": "newest"}, True),
    ("Investigation", {"section": "finance"}, True),
    ("paid paragraph", {"section": "finance"}, False),
    ("", {"author": "angeline-tan"}, True),
    ("preview", {"author": "angeline-tan", "year": "2024"}, True),
    ("", {"issue": "40-6"}, True),
    ("SECRET", {"issue": "40-6"}, False),
    ("", {"year": "2024", "sort": "newest"}, True),
]


def test_search_results_show_teasers_only(gated, readers):
    if _search_url("x") is None:
        pytest.skip("the search app has no search:search URL yet")
    failures = []
    for (persona, client), (query, filters, listed) in itertools.product(readers.items(), SEARCHES):
        url = _search_url(query, **filters) or ""
        text = _get(client, url)
        if listed:
            assert gated["subscribers"].title in text, f"search {url} did not list the article"
        failures += [_check(persona, access, "search results", url, text, public_surface=True) for access in ENTITLED]
    _assert_no_failures(failures)


def test_the_shared_page_cache_never_hands_one_readers_page_to_another(gated, readers):
    Client().get("/")  # the first request creates settings rows (which empties the cache); keep it out of the way
    failures = []
    for (persona, client), access in itertools.product(readers.items(), ENTITLED):
        url = gated[access].url
        # Anonymous first, until the shared cache answers...
        anonymous = [Client().get(url) for _ in range(2)]
        assert anonymous[-1].get("X-Cache") == "HIT", "the teaser should come from the shared cache"
        assert SECRET_MARKER not in anonymous[-1].content.decode()
        # ...then the persona: a signed-in reader must get their own page, not the cached teaser...
        failures.append(_check(persona, access, "page after an anonymous cache HIT", url, _get(client, url)))
        # ...and what the persona got must not be served to the next anonymous reader.
        if SECRET_MARKER in Client().get(url).content.decode():
            failures.append(f"LEAK anonymous: got {persona}'s page from the shared cache ({url})")
    _assert_no_failures(failures)


def test_gated_pages_are_private_for_signed_in_readers(gated, readers):
    for persona, client in readers.items():
        response = client.get(gated["subscribers"].url)
        if persona != "anonymous":
            assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"], persona
            assert response.get("X-Cache") is None, persona


JSON_PATHS = ["/api/v2/pages/", "/api/pages/", "/api/articles/"]


def test_no_json_api_returns_the_full_body(gated, readers):
    client = readers["anonymous"]
    served = 0
    for path in JSON_PATHS:
        response = client.get(path)
        if response.status_code == 404:
            continue
        served += 1
        for article in gated.values():
            detail = client.get(f"{path}{article.pk}/")
            assert SECRET_MARKER not in response.content.decode() + detail.content.decode(), f"LEAK via {path}"
    if not served:
        pytest.skip("no JSON API is mounted")
