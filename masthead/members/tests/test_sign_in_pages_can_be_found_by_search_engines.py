"""Sign-in and sign-up are the account pages a stranger reaches from a search result: robots.txt lets crawlers
read them (Lighthouse SEO was 63 on /account/signin/, "blocked from indexing"), each has a description and one
canonical address, and the rest of /account/ stays out of crawlers' reach."""

from __future__ import annotations

import re
from urllib.robotparser import RobotFileParser

import pytest

CRAWLABLE = ["/account/signin/", "/account/signup/"]
PRIVATE = [
    "/account/",
    "/account/email/",
    "/account/password/",
    "/account/gift/",
    "/account/link/some-token/",
    "/account/password/reset/",
    "/admin/",
    "/feeds/private/abc/",
    "/podcast/abc/",
    "/search/?q=x",
]


def _robots(client) -> RobotFileParser:
    response = client.get("/robots.txt")
    assert response.status_code == 200
    parser = RobotFileParser()
    parser.parse(response.content.decode().splitlines())
    return parser


def test_robots_txt_lets_crawlers_read_sign_in_and_sign_up_only(client, db):
    robots = _robots(client)
    for path in CRAWLABLE:
        assert robots.can_fetch("Googlebot", path), path
    for path in PRIVATE:
        assert not robots.can_fetch("Googlebot", path), path
    # The articles and sections themselves are open.
    assert robots.can_fetch("Googlebot", "/politics/some-article/")


def test_robots_txt_lists_allow_lines_before_the_account_block(client, db):
    lines = client.get("/robots.txt").content.decode().splitlines()
    assert lines[:3] == ["User-agent: *", "Allow: /account/signin/", "Allow: /account/signup/"]
    assert "Disallow: /account/" in lines


@pytest.mark.parametrize("path", CRAWLABLE)
def test_sign_in_pages_have_a_description_and_one_canonical_address(magazine, client, settings, path):
    html = client.get(f"{path}?next=/politics/", follow=False).content.decode()
    description = re.search(r'<meta name="description" content="([^"]*)">', html)
    assert description and len(description.group(1)) > 40, path
    assert re.findall(r'<link rel="canonical" href="([^"]*)">', html) == [f"{settings.SITE_URL}{path}"]
    assert "noindex" not in html
