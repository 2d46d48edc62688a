"""A reader listens in headless Chromium: play, skip, speed, click-a-paragraph, resume."""

from __future__ import annotations

import pytest

from masthead.narration.tests.listening_helpers import make_narration
from masthead.testing.browser import axe, describe, serious, wait_until

pytestmark = [pytest.mark.browser]

AUDIO = "document.querySelector('.listen audio')"


def current_time(page) -> float:
    return page.evaluate(f"{AUDIO}.currentTime")


@pytest.fixture
def wagtail_root(live_server):
    """Wagtail's migration-made root page, locale and collection, even after another browser test's flush.

    Serialized rollback should restore them, but when a plain (non-transactional)
    test ran earlier in the session it does not (see the report); without them
    the magazine fixture cannot build a page tree.
    """
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import Collection, Locale, Page

    Locale.objects.get_or_create(language_code="en")
    if Page.get_first_root_node() is None:
        Page.add_root(instance=Page(title="Root", slug="root", content_type=ContentType.objects.get_for_model(Page)))
    if not Collection.get_first_root_node():
        Collection.add_root(name="Root")


def test_reader_plays_skips_changes_speed_clicks_a_paragraph_and_resumes(page, wagtail_root, live_server, magazine):
    article = magazine.public_article
    # 40 s of real MP3, two paragraphs: the second is read from 20 s on.
    make_narration(article, seconds=40.0)
    second_block = article.full_blocks()[1].id

    page.goto(live_server.url + article.url)
    controls = page.locator(".listen__controls")
    controls.wait_for(state="visible")
    # The enhanced player replaces the native controls; the audio is real and decodable.
    assert page.evaluate(f"{AUDIO}.hasAttribute('controls')") is False
    wait_until(page, f"{AUDIO}.readyState >= 1")
    assert abs(page.evaluate(f"{AUDIO}.duration") - 40) < 1

    page.get_by_role("button", name="Play").click()
    wait_until(page, f"!{AUDIO}.paused && {AUDIO}.currentTime > 0.2")
    assert page.get_by_role("button", name="Pause").is_visible()

    before = current_time(page)
    page.get_by_role("button", name="Forward 15 seconds").click()
    assert current_time(page) >= before + 14.5

    page.get_by_label("Speed").select_option("1.5")
    assert page.evaluate(f"{AUDIO}.playbackRate") == 1.5

    page.locator(f'[data-block="{second_block}"]').click()
    wait_until(page, f"{AUDIO}.currentTime >= 20")
    wait_until(page, f"document.querySelector('[data-block=\"{second_block}\"]').classList.contains('is-being-read')")

    page.get_by_role("button", name="Back 15 seconds").click()
    assert 4 <= current_time(page) < 20
    page.get_by_role("button", name="Pause").click()
    stopped_at = current_time(page)

    violations = serious(axe(page, context=".listen"))
    assert violations == [], describe(violations)

    # Coming back later: the player resumes where the reader stopped, at their speed.
    page.reload()
    page.locator(".listen__controls").wait_for(state="visible")
    wait_until(page, f"{AUDIO}.readyState >= 1 && {AUDIO}.currentTime > 1")
    assert abs(current_time(page) - stopped_at) < 1.5
    assert page.evaluate(f"{AUDIO}.playbackRate") == 1.5


def test_keyboard_reaches_every_control(page, wagtail_root, live_server, magazine):
    make_narration(magazine.public_article, seconds=5.0)
    page.goto(live_server.url + magazine.public_article.url)
    page.locator(".listen__controls").wait_for(state="visible")
    page.get_by_role("button", name="Play").focus()
    page.keyboard.press("Enter")
    wait_until(page, f"!{AUDIO}.paused")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('data-listen-skip')") == "-15"
    page.keyboard.press("Enter")  # a real button: Enter activates it
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Position"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "SELECT"
