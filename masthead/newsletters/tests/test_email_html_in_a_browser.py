"""The email's HTML, as it arrived over SMTP, in headless Chromium: no horizontal scrolling at 600 px
(desktop clients) and 375 px (phones), every image URL absolute and loading, under Gmail's clipping size."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from masthead.newsletters.rendering import GMAIL_CLIP_BYTES

SHOTS = Path(os.environ.get("MASTHEAD_SCREENSHOTS", "/tmp/masthead-screenshots"))  # noqa: S108 - for a person to look at


@pytest.mark.browser
def test_the_issue_fits_desktop_and_phone_widths(
    browser, live_server, settings, smtp_server, magazine, the_issue, subscribe, subscriber, member, publish_issue
):
    settings.SITE_URL = live_server.url
    subscribe(subscriber, the_issue)
    subscribe(member, the_issue)
    publish_issue()
    assert len(smtp_server.messages) == 2
    for message in smtp_server.messages:
        html = message.get_body(preferencelist=("html",)).get_content()
        assert len(html.encode()) < GMAIL_CLIP_BYTES
        sources = re.findall(r'<img[^>]+src="([^"]+)"', html)
        assert sources, "the issue has photos"
        assert all(src.startswith(live_server.url + "/") for src in sources), sources
        assert all(href.startswith(("http://", "https://", "mailto:")) for href in re.findall(r'href="([^"]+)"', html))
        for width in (600, 375):
            context = browser.new_context(viewport={"width": width, "height": 900})
            try:
                page = context.new_page()
                page.set_content(html, wait_until="load")
                scroll_width = page.evaluate("document.documentElement.scrollWidth")
                assert scroll_width <= width, f"{message['To']} scrolls sideways at {width} px ({scroll_width} px wide)"
                broken = page.evaluate("[...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)")
                assert not broken, broken
                SHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SHOTS / f"newsletter-{message['To'].split('@')[0]}-{width}.png"), full_page=True)
            finally:
                context.close()
