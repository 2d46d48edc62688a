"""An issue's cover, on the home page's sidebar and on the issue's own page, is fetched close to the
size it is shown at, on a desktop screen and on a phone's denser pixels: a browser picks from the
srcset by `sizes`, so the candidates and `sizes` together decide how many bytes a reader downloads
for nothing (Lighthouse's "Properly size images")."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from masthead.testing import builders

# Lighthouse's phone is 412 px at 1.75 device pixels per CSS pixel; its desktop is 1350 px at 1.
SCREENS = [(1280, 1.0), (412, 1.75)]
# A file at most this much wider than the pixels it fills (a quarter: about 40% of its bytes unseen).
MOST_OVERSIZE = 1.25


def _cover_fit(browser: Any, url: str, selector: str, width: int, scale: float) -> tuple[int, float]:
    context = browser.new_context(viewport={"width": width, "height": 900}, device_scale_factor=scale)
    try:
        page = context.new_page()
        page.goto(url)
        image = page.locator(selector)
        image.scroll_into_view_if_needed()
        loaded = "(s) => { const i = document.querySelector(s); return i && i.complete && i.naturalWidth; }"
        page.wait_for_function(loaded, arg=selector)
        # With width descriptors, naturalWidth is in CSS pixels (the file's width over its density):
        # the file's own width comes from loading the chosen source on its own.
        natural, shown = image.evaluate(
            "async img => { const file = new Image(); file.src = img.currentSrc; await file.decode();"
            " return [file.naturalWidth, img.getBoundingClientRect().width]; }"
        )
        return int(natural), float(shown) * scale
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize(("width", "scale"), SCREENS)
def test_an_issue_cover_is_fetched_near_the_size_it_fills(browser, live_server, magazine, width, scale):
    cover = builders.make_image("A tall cover", size=(1200, 1600))
    index = magazine.issue.get_parent()
    articles = [magazine.public_article]
    issue = builders.make_issue(index, volume=50, number=1, cover_date=date(2030, 1, 1), articles=articles, cover=cover)
    for url, selector in ((live_server.url + "/", ".current-issue__cover"), (live_server.url + issue.url, ".issue__cover img")):
        natural, needed = _cover_fit(browser, url, selector, width, scale)
        assert needed > 100, (url, needed)  # shown at all, at a real size
        assert natural <= needed * MOST_OVERSIZE, f"{url} at {width} px ×{scale}: a {natural} px file fills {needed:.0f} px"
