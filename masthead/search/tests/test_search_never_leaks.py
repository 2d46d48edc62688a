"""Search finds what every reader may see, and nothing behind the preview marker."""

from __future__ import annotations

from masthead.testing.fixtures import SECRET_MARKER


def _titles(client, query, **extra):
    response = client.get("/search/", {"q": query, **extra})
    assert response.status_code == 200
    return response, response.content.decode()


def test_text_after_the_cut_is_not_found_or_shown(client, magazine, member, staff):
    # Entitled readers included: the index is the same for everyone, and holds no paid text.
    for reader in [None, member, staff]:
        if reader is not None:
            client.force_login(reader)
        for query in [SECRET_MARKER, "Paid paragraph", "Another paid", "Members body"]:
            response, html = _titles(client, query)
            # The page echoes the query itself; nothing else may carry the marker.
            echo_free = html.replace(f"Search: {query}", "").replace(f'value="{query}"', "").replace(f"“{query}”", "")
            assert SECRET_MARKER not in echo_free
            assert "A Subscriber Investigation" not in html, query
            assert "A Members Briefing" not in html, query
            assert "No articles match" in html


def test_gated_article_is_found_by_its_headline_dek_and_preview(client, magazine):
    for query in ["Subscriber Investigation", "standfirst of the investigation", "Preview paragraph anyone"]:
        _, html = _titles(client, query)
        assert "A Subscriber Investigation" in html, query
        assert SECRET_MARKER not in html


def test_public_article_is_found_by_its_full_text_author_and_tags(client, magazine):
    magazine.public_article.tags.add("kremlin")
    magazine.public_article.save_revision().publish()
    for query in ["second public paragraph", "Angeline Tan", "kremlin"]:
        _, html = _titles(client, query)
        assert "A Public Report" in html, query


def test_snippet_marks_the_terms_and_escapes_text(client, magazine):
    _, html = _titles(client, "second public")
    assert "The <mark>second</mark> <mark>public</mark> paragraph." in html
    _, html = _titles(client, "<script>alert(1)</script>")
    assert "<script>alert(1)</script>" not in html
