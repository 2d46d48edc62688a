"""The issue page's digital-edition box in headless Chromium, at desktop and phone widths:
a subscriber downloads and plays the issue chapter by chapter; an anonymous reader sees the offer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from masthead.editions import services
from masthead.editions.tests.support import FakeBuilder, narrate
from masthead.testing.browser import axe, serious

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"


def sign_in(page: Any, live_server: Any, user: Any) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])


@pytest.fixture
def issue(magazine, monkeypatch):
    """Fake EPUB and PDFs (their layout is tested elsewhere), the real audio edition of two narrated articles."""
    real = services.builder_for
    monkeypatch.setattr(services, "builder_for", lambda kind: real(kind) if kind == "audio" else FakeBuilder(kind))
    narrate(magazine.public_article)
    narrate(magazine.subscriber_article)
    for row in services.queue_issue(issue_id=magazine.issue.pk):
        services.build(edition_id=row.pk)
    return magazine.issue


@pytest.mark.parametrize("width", [1280, 390])
def test_a_subscriber_downloads_and_listens_chapter_by_chapter(page, live_server, issue, subscriber, js_errors, width):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, subscriber)
    page.goto(live_server.url + issue.url)
    box = page.locator("#digital-edition")
    for label in ("EPUB", "PDF", "Audio edition"):
        assert box.get_by_role("link", name=label).first.is_visible()
    chapters = box.get_by_role("button")
    assert chapters.count() == 2
    second = chapters.nth(1)
    second.click()
    start = int(second.get_attribute("data-start")) / 1000
    assert start > 1
    # It plays the second article: the player jumped to its chapter and moves on from there.
    page.wait_for_function(f"() => document.querySelector('[data-edition-audio]').currentTime > {start + 0.2}")
    assert second.get_attribute("aria-current") is not None and chapters.nth(0).get_attribute("aria-current") is None
    SHOTS.mkdir(parents=True, exist_ok=True)
    box.screenshot(path=str(SHOTS / f"issue-downloads-{width}.png"))
    assert serious(axe(page, context="#digital-edition")) == []
    assert js_errors == []


def test_an_anonymous_reader_sees_the_offer_and_no_file(page, live_server, issue):
    page.goto(live_server.url + issue.url)
    box = page.locator("#digital-edition")
    assert "Subscribers download every issue" in box.inner_text()
    assert box.locator("a[href*='/epub/'], a[href*='/pdf/'], audio").count() == 0
    assert serious(axe(page, context="#digital-edition")) == []
