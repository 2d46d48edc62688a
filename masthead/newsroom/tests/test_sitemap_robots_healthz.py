"""The machine-facing endpoints: sitemap.xml, robots.txt, /healthz."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from django.core.management import call_command

from masthead.newsroom.tests.conftest import SEED
from masthead.testing.fixtures import SECRET_MARKER

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def _locs(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert SECRET_MARKER not in response.content.decode()
    # Our own response, not untrusted input.
    return [el.text for el in ET.fromstring(response.content).findall("sm:url/sm:loc", NS)]  # noqa: S314


def test_sitemap_lists_the_imported_seed_article(client, bare_site):
    call_command("import_articles", str(SEED), "--section", "foreign-affairs", stdout=None)
    locs = _locs(client)
    assert any(loc.endswith("/foreign-affairs/kremlin-unveils-conditions-for-talks-with-us/") for loc in locs)


def test_sitemap_lists_every_live_article_and_no_drafts(client, magazine):
    magazine.members_article.unpublish()
    locs = _locs(client)
    assert any(loc.endswith(magazine.public_article.url) for loc in locs)
    assert any(loc.endswith(magazine.subscriber_article.url) for loc in locs)
    assert not any(loc.endswith(magazine.members_article.url) for loc in locs)


def test_robots_txt_blocks_private_paths_and_points_at_the_sitemap(client, db):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    for path in ["/admin/", "/account/", "/search/"]:
        assert f"Disallow: {path}" in lines
    assert any(line.startswith("Sitemap: http") and line.endswith("/sitemap.xml") for line in lines)
    assert "Disallow: /" not in lines


def test_healthz_reports_database_and_cache(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}
    assert response["Cache-Control"] == "no-store"
