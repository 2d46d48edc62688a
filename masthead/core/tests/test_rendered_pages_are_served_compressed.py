"""Pages the page cache does not store are gzipped too, for clients that ask (Lighthouse's
"Enable text compression" on plans, sign-in and account), and a signed-in reader's page is
joined from its shell's text deflated once plus their own parts, never compressed as a whole."""

from __future__ import annotations

import gzip
import io
import re
import zlib
from typing import Any

import pytest
from django.core.cache import cache
from django.http import FileResponse, HttpResponse, HttpResponseBase
from django.test import Client, RequestFactory
from hypothesis import given, settings
from hypothesis import strategies as st

from masthead.core import cachetags, compression
from masthead.testing.fixtures import SECRET_MARKER

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


@pytest.fixture
def site(magazine: Any) -> Any:
    cache.clear()
    cachetags.forget_clock()
    return magazine


@pytest.mark.parametrize("url", ["/billing/", "/account/signin/"])
def test_forms_are_gzipped_for_a_client_that_asks_and_plain_for_one_that_does_not(client: Client, site: Any, url: str) -> None:
    plain = client.get(url)
    packed = client.get(url, **GZIP)
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain and "Accept-Encoding" in plain["Vary"]
    assert packed["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed["Vary"]
    assert int(packed["Content-Length"]) == len(packed.content) < len(plain.content)
    # The same page, but for the CSRF token, which each render masks afresh.
    assert _unmasked(gzip.decompress(packed.content)) == _unmasked(plain.content)


def _unmasked(body: bytes) -> str:
    return re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]+', r"\1", body.decode())


def test_a_refused_gzip_is_honoured(client: Client, site: Any) -> None:
    response = client.get("/billing/", HTTP_ACCEPT_ENCODING="gzip;q=0, identity")
    assert "Content-Encoding" not in response and b"<html" in response.content


def test_the_signed_in_reader_gets_their_page_gzipped_from_the_shell(client_for: Any, site: Any) -> None:
    reader = client_for("subscriber")
    url = site.subscriber_article.url
    reader.get(url)  # stores the shell
    plain = reader.get(url)
    packed = reader.get(url, **GZIP)
    assert packed["Content-Encoding"] == "gzip" and "private" in packed["Cache-Control"]
    html = gzip.decompress(packed.content).decode()  # checks the CRC and the length too
    assert html == plain.content.decode()
    assert SECRET_MARKER in html and "Account</a>" in html
    assert len(packed.content) < len(plain.content) / 2


def _through_middleware(response: HttpResponseBase) -> HttpResponseBase:
    request = RequestFactory().get("/", **GZIP)
    return compression.CompressionMiddleware(lambda _: response)(request)


def test_files_ranges_and_small_or_binary_bodies_are_left_alone() -> None:
    page = "<!doctype html><p>" + "A magazine page. " * 200
    assert _through_middleware(HttpResponse(page))["Content-Encoding"] == "gzip"  # the control
    streamed = FileResponse(io.BytesIO(page.encode()), content_type="text/plain")
    partial = HttpResponse(page, status=206)
    partial["Content-Range"] = f"bytes 0-{len(page) - 1}/{len(page) * 2}"
    small = HttpResponse("<p>short</p>")
    binary = HttpResponse(page.encode(), content_type="audio/mpeg")
    for response in (streamed, partial, small, binary):
        assert not _through_middleware(response).has_header("Content-Encoding")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=300).map(compression.deflate), st.binary(max_size=70_000)), max_size=8))
def test_any_mix_of_deflated_text_and_plain_parts_is_one_valid_gzip_member(parts: list[Any]) -> None:
    packed = compression.gzip_join(parts)
    assert gzip.decompress(packed) == compression.plain_join(parts)
    # One member, not several glued together: some clients read only the first.
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    inflater.decompress(packed)
    assert inflater.eof and inflater.unused_data == b""
