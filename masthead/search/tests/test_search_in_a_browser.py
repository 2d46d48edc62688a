"""The search page in headless Chromium at desktop and phone widths: words and filters, results, no sideways scroll."""

from __future__ import annotations

from pathlib import Path

import pytest

from masthead.testing.browser import axe, serious

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"


@pytest.mark.parametrize("width", [1280, 390])
def test_a_reader_searches_and_narrows_by_section(page, live_server, magazine, js_errors, csp_violations, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server.url + "/search/")
    page.get_by_label("Search articles").fill("paragraph")
    page.locator("select[name=section]").select_option("finance")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search/?*")
    results = page.locator(".search-result")
    assert results.count() == 1
    assert "A Subscriber Investigation" in results.first.inner_text()
    assert page.locator("select[name=section]").input_value() == "finance"  # the filter stays chosen
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"search-{width}.png"), full_page=True)
    assert serious(axe(page)) == []
    assert js_errors == [] and csp_violations == []
    # A bad link explains itself.
    page.goto(live_server.url + "/search/?q=report&year=abc")
    assert "The year must be a number" in page.get_by_role("alert").inner_text()
    page.screenshot(path=str(SHOTS / f"search-bad-link-{width}.png"), full_page=True)
