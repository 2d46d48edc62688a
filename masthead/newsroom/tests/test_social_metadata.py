"""OpenGraph, Twitter cards and JSON-LD: accurate for sharing, and never a way around the paywall."""

from __future__ import annotations

import json
import re

from masthead.testing.fixtures import SECRET_MARKER


def _head(html):
    return html.split("</head>")[0]


def _jsonld(html):
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def _meta(html, attr, name):
    match = re.search(rf'<meta {attr}="{re.escape(name)}" content="([^"]*)"', html)
    return match.group(1) if match else None


def test_public_article_has_open_graph_twitter_and_news_article(client, magazine):
    html = client.get(magazine.public_article.url).content.decode()
    assert _meta(html, "property", "og:title") == "A Public Report"
    assert _meta(html, "property", "og:type") == "article"
    assert _meta(html, "property", "og:url").endswith(magazine.public_article.url)
    assert _meta(html, "property", "og:image").endswith(".jpg")
    assert _meta(html, "name", "twitter:card") == "summary_large_image"
    data = _jsonld(html)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "A Public Report"
    assert data["datePublished"] == "2024-03-28"
    assert data["isAccessibleForFree"] is True
    assert [a["name"] for a in data["author"]] == ["Angeline Tan"]
    assert data["articleSection"] == "Politics"
    assert "hasPart" not in data


def test_gated_article_metadata_says_so_and_carries_no_body_text(client, magazine):
    for article in [magazine.subscriber_article, magazine.members_article]:
        html = client.get(article.url).content.decode()
        data = _jsonld(html)
        assert data["isAccessibleForFree"] is False
        assert data["hasPart"] == {"@type": "WebPageElement", "isAccessibleForFree": False, "cssSelector": ".article-body--gated"}
        assert 'class="article-body article-body--gated"' in html
        head = _head(html)
        assert SECRET_MARKER not in head and "Paid paragraph" not in head
        assert "articleBody" not in data and "text" not in data


def test_description_falls_back_to_nothing_rather_than_body_text(client, magazine):
    article = magazine.subscriber_article
    article.dek = ""
    article.save_revision().publish()
    html = client.get(article.url).content.decode()
    assert _meta(html, "name", "description") == ""
    assert "Preview paragraph" not in _head(html)
