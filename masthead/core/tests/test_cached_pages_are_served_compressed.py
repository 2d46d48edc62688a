"""Anonymous pages are gzipped once, when stored, and served compressed to clients that accept it
(Lighthouse's "Enable text compression"): through both doors, with their own ETag, never to a client
that refuses gzip, and never a compressed teaser that holds more than the plain one."""

from __future__ import annotations

import gzip
from typing import Any

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from masthead.core import cachetags, pagecache
from masthead.testing.fixtures import SECRET_MARKER


@pytest.fixture
def site(magazine: Any) -> Any:
    cache.clear()
    cachetags.forget_clock()  # Redis emptied behind the process's back
    return magazine


def test_a_client_that_accepts_gzip_gets_the_stored_page_compressed(client, site):
    url = site.public_article.url
    plain_miss = client.get(url)
    assert plain_miss["X-Cache"] == "MISS" and "Content-Encoding" not in plain_miss
    hit = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert hit["X-Cache"] == "HIT" and hit["Content-Encoding"] == "gzip"
    assert gzip.decompress(hit.content) == plain_miss.content
    assert int(hit["Content-Length"]) == len(hit.content) < len(plain_miss.content) / 2
    assert hit["Vary"] == "Cookie, Accept-Encoding"
    # Two representations, two validators; each revalidates only itself.
    assert hit["ETag"] != plain_miss["ETag"]
    assert client.get(url, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=hit["ETag"]).status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH=plain_miss["ETag"]).status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH=hit["ETag"]).status_code == 200


def test_the_first_reader_gets_it_compressed_too(client, site):
    miss = client.get(site.home.url, HTTP_ACCEPT_ENCODING="gzip")
    assert miss["X-Cache"] == "MISS" and miss["Content-Encoding"] == "gzip"
    assert b"<!DOCTYPE html>" in gzip.decompress(miss.content)
    assert "Accept-Encoding" in miss["Vary"] and "Cookie" in miss["Vary"]


@pytest.mark.parametrize("header", ["", "identity", "gzip;q=0", "br"])
def test_a_client_without_gzip_gets_plain_bytes(client, site, header):
    url = site.public_article.url
    client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    response = client.get(url, HTTP_ACCEPT_ENCODING=header)
    assert response["X-Cache"] == "HIT" and "Content-Encoding" not in response
    assert response.content.startswith(b"<!DOCTYPE html>")


def test_the_wsgi_door_serves_the_compressed_copy(client, site):
    url = site.subscriber_article.url
    client.get(url)

    def django_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raise AssertionError("a hit must not reach Django")

    seen: list[tuple[str, list[tuple[str, str]]]] = []
    door = pagecache.PageCacheWSGI(django_app)
    body = b"".join(door(RequestFactory().get(url, HTTP_ACCEPT_ENCODING="gzip").environ, lambda s, h: seen.append((s, h))))
    headers = dict(seen[-1][1])
    assert headers["Content-Encoding"] == "gzip" and int(headers["Content-Length"]) == len(body)
    html = gzip.decompress(body).decode()
    assert "Preview paragraph anyone may read." in html and SECRET_MARKER not in html


def test_small_or_binary_bodies_are_stored_plain():
    assert pagecache.gzipped(b"<p>short</p>", [("Content-Type", "text/html")]) is None
    assert pagecache.gzipped(b"\x89PNG" * 1000, [("Content-Type", "image/png")]) is None
    assert pagecache.gzipped(b"x" * 5000, [("Content-Type", "text/html"), ("Content-Encoding", "br")]) is None
    packed = pagecache.gzipped(b"x" * 5000, [("Content-Type", "text/html; charset=utf-8")])
    assert packed is not None and gzip.decompress(packed) == b"x" * 5000
    # The same bytes in every process: no timestamp in the gzip header.
    assert packed == pagecache.gzipped(b"x" * 5000, [("Content-Type", "text/html; charset=utf-8")])
