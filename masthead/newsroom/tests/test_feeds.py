"""RSS and Atom: valid feeds, full text for public articles, a teaser and a link for the rest."""

from __future__ import annotations

import feedparser

from masthead.testing.fixtures import SECRET_MARKER


def _feed(client, url):
    response = client.get(url)
    assert response.status_code == 200
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return response.content.decode(), parsed


def test_rss_and_atom_carry_full_public_text_and_only_teasers_of_gated_articles(client, magazine, staff):
    for url in ["/feeds/rss/", "/feeds/atom/"]:
        raw, parsed = _feed(client, url)
        entries = {e.title: e for e in parsed.entries}
        assert set(entries) >= {"A Public Report", "A Members Briefing", "A Subscriber Investigation"}
        public = entries["A Public Report"]
        text = public.get("summary", "") + "".join(c.value for c in public.get("content", []))
        assert "The second public paragraph." in text
        assert public.link.endswith(magazine.public_article.url)
        assert public.published_parsed[:3] == (2024, 3, 28)
        assert "Angeline Tan" in public.get("author", "")
        gated = entries["A Subscriber Investigation"]
        gated_text = gated.get("summary", "") + "".join(c.value for c in gated.get("content", []))
        assert "Preview paragraph anyone may read." in gated_text
        assert "Read the full article" in gated_text
        assert "Paid paragraph" not in gated_text
        assert SECRET_MARKER not in raw
    # A signed-in subscriber-level reader fetching the public feed still gets the public feed.
    client.force_login(staff)
    raw, _ = _feed(client, "/feeds/rss/")
    assert SECRET_MARKER not in raw


def test_section_feed_lists_only_that_section(client, magazine):
    _, parsed = _feed(client, "/feeds/finance/rss/")
    assert [e.title for e in parsed.entries] == ["A Subscriber Investigation"]
    assert parsed.feed.title.endswith("Finance")
    assert client.get("/feeds/no-such-section/rss/").status_code == 404
