"""The readable transcript at desktop and phone widths: no sideways scroll, no serious axe findings."""

from __future__ import annotations

import os

import pytest

from masthead.narration.tests.listening_helpers import make_narration
from masthead.narration.tests.test_listening_in_a_browser import wagtail_root  # noqa: F401 (fixture)
from masthead.narration.transcripts import transcript_page_path
from masthead.testing.browser import axe, describe, serious

pytestmark = [pytest.mark.browser]


@pytest.mark.parametrize("width", [1280, 390])
def test_transcript_reads_well_at_both_widths(page, wagtail_root, live_server, magazine, width):  # noqa: F811
    narration = make_narration(magazine.public_article, seconds=40.0)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server.url + magazine.public_article.url)
    page.get_by_role("link", name="Transcript").click()
    page.wait_for_url(f"**{transcript_page_path(narration)}")
    assert page.get_by_role("heading", level=1).inner_text() == magazine.public_article.title
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    if shots := os.environ.get("MASTHEAD_SCREENSHOTS"):
        page.screenshot(path=f"{shots}/transcript-{width}.png", full_page=True)
    violations = serious(axe(page, context=".transcript"))
    assert violations == [], describe(violations)
