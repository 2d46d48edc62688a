"""/issues/: every issue under its year, newest first, each with its cover as a responsive image —
WebP renditions with width descriptors, sizes, width and height (no layout shift) — and only the
lead cover fetched eagerly; the rest load lazily.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from masthead.testing import builders

SHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"


def test_issues_are_grouped_under_their_year_with_responsive_covers_and_an_eager_lead(magazine, client):
    index = magazine.issue.get_parent()
    for volume, number, on in ((41, 1, date(2025, 1, 1)), (41, 2, date(2025, 1, 15))):
        builders.make_issue(
            index,
            volume=volume,
            number=number,
            cover_date=on,
            articles=[magazine.public_article],
            cover=builders.make_image(f"Cover {number}"),
        )
    html = client.get("/issues/").content.decode()

    years = re.findall(r'<h2 class="issue-year__title" id="issues-(\d+)">', html)
    assert years == ["2025", "2024"]
    section_2025 = html[html.index('id="issues-2025"') : html.index('id="issues-2024"')]
    assert section_2025.index("Vol. 41 No. 2") < section_2025.index("Vol. 41 No. 1")
    assert "Vol. 40 No. 6" in html[html.index('id="issues-2024"') :]

    covers = re.findall(r"<img [^>]*>", html[html.index('id="issues-2025"') :])
    assert len(covers) == 2, covers
    for cover in covers:
        srcset = re.search(r'srcset="([^"]+)"', cover)
        assert srcset, cover
        entries = [entry.strip().split() for entry in srcset[1].split(",")]
        assert [descriptor for _, descriptor in entries] == ["240w", "360w", "480w"], cover
        assert all(url.endswith(".webp") for url, _ in entries), cover
        assert re.search(r'\bsizes="[^"]+"', cover) and re.search(r'\bwidth="\d+"', cover) and re.search(r'\bheight="\d+"', cover)
    lead, other = covers
    assert 'loading="lazy"' not in lead and 'fetchpriority="high"' in lead
    assert 'loading="lazy"' in other


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_the_archive_in_a_browser_shows_each_year_and_its_covers_without_overflow(page, live_server, magazine, js_errors, width):
    index = magazine.issue.get_parent()
    for number, on in ((1, date(2025, 1, 1)), (2, date(2025, 1, 15)), (3, date(2025, 2, 1))):
        cover = builders.make_image(f"Cover {number}", size=(900, 1200))
        builders.make_issue(index, volume=41, number=number, cover_date=on, articles=[magazine.public_article], cover=cover)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server.url + "/issues/")
    assert page.get_by_role("heading", name="2025").is_visible() and page.get_by_role("heading", name="2024").count() == 1
    lead = page.locator(".issue-grid img").first
    page.wait_for_function("() => document.querySelector('.issue-grid img').complete")
    box = lead.bounding_box()
    assert box and lead.evaluate("img => img.naturalWidth") > 0
    # Phones: two covers a row; desktop: several. Nothing wider than the screen.
    per_row = page.evaluate(
        "() => { const ys = [...document.querySelectorAll('.issue-year:first-of-type .issue-grid li')]"
        ".map(li => li.getBoundingClientRect().top); return ys.filter(y => y === ys[0]).length; }"
    )
    assert per_row == (2 if width < 600 else 3), per_row
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"archive-{width}.png"), full_page=True)
    assert js_errors == []
