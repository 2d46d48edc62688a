"""Uptime monitors and load balancers ask with HEAD: the health check, robots.txt and the search page answer
it as they answer GET, without a body, and a write method is still refused."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("url", ["/healthz", "/robots.txt", "/search/?q=kremlin"])
def test_head_is_answered_like_get(client, magazine, url):
    got = client.get(url)
    head = client.head(url)
    assert got.status_code == 200
    assert head.status_code == 200
    assert head["Content-Type"] == got["Content-Type"]
    assert head.content == b""


@pytest.mark.parametrize("url", ["/healthz", "/robots.txt", "/search/?q=kremlin"])
def test_a_write_method_is_still_refused(client, magazine, url):
    assert client.post(url).status_code == 405
