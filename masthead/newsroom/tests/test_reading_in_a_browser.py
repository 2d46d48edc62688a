"""A reader in a real browser: home → section → the seed article → its issue.

Headless Chromium against pytest-django's live server, so the page is checked
as a reader sees it (visible text, working links, CSS applied) and axe-core
checks accessibility with real layout and computed colours, which an HTML
parser cannot.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse

from masthead.testing import builders
from masthead.testing.browser import axe, describe, serious
from masthead.testing.fixtures import SECRET_MARKER

SEED = Path(__file__).parent / "data" / "kremlin-talks.txt"
HEADLINE = "Kremlin Unveils Conditions for Talks With U.S."


def seed_paragraphs() -> list[str]:
    """The seed's opening paragraphs, up to its photo credit line."""
    text = SEED.read_text(encoding="utf-8").split("AP Images")[0]
    return [p.strip() for p in text.split("\n\n") if p.strip() and p.strip() != HEADLINE]


@pytest.fixture
def seed_article(magazine):
    """The seed article as the importer would make it, in an issue of its own."""
    article = builders.make_article(
        magazine.sections["Foreign Affairs"],
        HEADLINE,
        authors=[magazine.author],
        dek="Moscow says it is open to talks with Washington, but only about everything at once.",
        paragraphs=seed_paragraphs(),
        on=date(2024, 3, 28),
        hero_image=builders.make_image("Dmitry Peskov"),
        hero_caption="Dmitry Peskov",
        hero_credit="AP Images",
    )
    issue = builders.make_issue(
        builders.ensure_issue_index(magazine.home),
        volume=40,
        number=7,
        cover_date=date(2024, 4, 8),
        articles=[article, magazine.subscriber_article],
        cover=builders.make_image("Cover 40-7", size=(600, 800)),
    )
    return article, issue


@pytest.mark.browser
def test_reader_goes_from_home_through_a_section_to_the_seed_article_and_its_issue(page, js_errors, live_server, seed_article):
    article, issue = seed_article
    page.goto(live_server.url + "/")
    assert page.locator(".site-header__name").is_visible()
    assert page.get_by_role("link", name=HEADLINE).first.is_visible()

    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Foreign Affairs").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Foreign Affairs"

    page.get_by_role("link", name=HEADLINE).click()
    page.wait_for_url(re.compile(re.escape(article.url) + "$"))
    assert page.get_by_role("heading", level=1).inner_text() == HEADLINE
    byline = page.locator(".article__header .byline")
    assert byline.is_visible()
    assert "By Angeline Tan" in byline.inner_text()
    assert byline.locator("time").inner_text() == "March 28, 2024"
    caption = page.locator("figure.figure--hero figcaption")
    assert caption.is_visible()
    assert caption.locator(".figure__caption").inner_text() == "Dmitry Peskov"
    # The credit is styled in small capitals; the text itself keeps its case.
    assert caption.locator(".figure__credit").text_content() == "AP Images"
    hero = page.locator("figure.figure--hero img")
    # A broken image has naturalWidth 0: the rendition must really be served.
    assert hero.evaluate("img => img.complete && img.naturalWidth > 0")
    assert page.get_by_text("Kremlin spokesman Dmitry Peskov maintained on March 26").is_visible()
    assert "Subscribe" not in page.locator(".article-body").inner_text()

    page.locator(".article__header .kicker").get_by_role("link", name=issue.title).click()
    assert page.get_by_role("heading", level=1).inner_text() == issue.title
    contents = page.locator("ol.toc")
    assert contents.get_by_role("link", name=HEADLINE).is_visible()
    assert contents.locator("li").first.inner_text().startswith(HEADLINE)
    assert js_errors == []


@pytest.mark.browser
def test_reader_pages_have_no_serious_accessibility_violations(page, js_errors, live_server, magazine, seed_article):
    article, issue = seed_article
    pages = {
        "home": "/",
        "section": magazine.sections["Foreign Affairs"].url,
        "article": article.url,
        "gated article": magazine.subscriber_article.url,
        "issue": issue.url,
        # Forms are where unlabeled controls hide.
        "search": reverse("search:search") + "?q=Kremlin",
        "sign-in": reverse("members:signin"),
        "plans": reverse("billing:plans"),
    }
    problems = {}
    for name, url in pages.items():
        response = page.goto(live_server.url + url)
        assert response.status == 200, url
        # The stylesheet must load, or axe would judge unstyled colours.
        assert page.evaluate("() => document.styleSheets.length > 0 && document.styleSheets[0].cssRules.length > 0")
        if found := serious(axe(page)):
            problems[name] = describe(found)
    assert not problems, "\n".join(f"{name}:\n{text}" for name, text in problems.items())
    assert js_errors == []
    # The gated page was checked as the anonymous reader sees it: the teaser.
    page.goto(live_server.url + magazine.subscriber_article.url)
    assert SECRET_MARKER not in page.content()


@pytest.mark.browser
def test_axe_helper_reports_what_a_reader_would_struggle_with(page):
    """The gate above can fail: light-grey text on white and an unlabeled field are caught."""
    page.set_content(
        '<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><main>'
        '<p style="color:#ccc;background:#fff">Hard to read</p><input type="text"></main></body></html>'
    )
    rules = {v["id"] for v in serious(axe(page))}
    assert {"color-contrast", "label"} <= rules


@pytest.mark.browser
def test_js_errors_fixture_sees_a_script_that_throws(page, js_errors):
    page.set_content("<!DOCTYPE html><title>t</title><script>null.boom()</script>")
    assert len(js_errors) == 1 and "null" in js_errors[0]
