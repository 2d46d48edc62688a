"""On a phone the header is one line (the name and a Menu button); the sections and account links fold
into the button, which says whether it is open (aria-expanded) and closes with Escape. Without script
the menus stay open as plain lists."""

from __future__ import annotations

import pytest

from masthead.testing.browser import axe, serious

pytestmark = pytest.mark.browser


def test_the_phone_header_is_one_line_with_a_working_menu_button(page, js_errors, live_server, magazine):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + magazine.public_article.url)
    header = page.locator(".site-header")
    assert header.bounding_box()["height"] < 80
    button = page.get_by_role("button", name="Menu")
    assert button.get_attribute("aria-expanded") == "false"
    politics = page.locator(".site-nav").get_by_role("link", name="Politics")
    assert not politics.is_visible() and not page.get_by_role("link", name="Sign in").is_visible()

    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    assert politics.is_visible() and page.get_by_role("link", name="Sign in").is_visible()
    assert serious(axe(page)) == []
    page.keyboard.press("Escape")
    assert button.get_attribute("aria-expanded") == "false" and not politics.is_visible()
    assert page.evaluate("document.activeElement.classList.contains('menu-toggle')")

    politics_again = page.locator(".site-nav").get_by_role("link", name="Politics")
    button.click()
    politics_again.click()
    page.wait_for_url(f"**{magazine.sections['Politics'].url}")
    assert js_errors == []


def test_on_a_desktop_the_menus_are_always_shown_and_the_button_is_not(page, live_server, magazine):
    page.goto(live_server.url + "/")
    assert not page.locator(".menu-toggle").is_visible()
    assert page.locator(".site-nav").get_by_role("link", name="Politics").is_visible()


def test_without_script_the_phone_menus_are_plain_open_lists(browser, live_server, magazine):
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        assert not page.locator(".menu-toggle").is_visible()
        assert page.locator(".site-nav").get_by_role("link", name="Politics").is_visible()
        assert page.get_by_role("link", name="Sign in").is_visible()
    finally:
        context.close()


@pytest.mark.parametrize("width", [390, 360])
def test_on_a_phone_the_whole_name_shows_beside_subscribe_and_the_menu(page, live_server, magazine, width):
    # The default name needs 243 px at the phone size; beside Subscribe and a labelled Menu button it had ~150.
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(live_server.url + "/")
    name = page.locator(".site-header__name")
    assert name.inner_text().strip() == "The Masthead Review"
    # Cut sideways (an ellipsis) or below (a clamp); a serif's tall glyphs may spill past a tight line box unclipped.
    clipped = name.evaluate(
        "el => el.scrollWidth > el.clientWidth"
        " || (getComputedStyle(el).overflow !== 'visible' && el.scrollHeight > el.clientHeight)"
    )
    assert not clipped, "the magazine's name is cut off in the phone header"
    text = "el => { const r = document.createRange(); r.selectNodeContents(el); return r.getClientRects().length; }"
    lines = name.evaluate(text)
    assert lines <= 2, lines
    assert page.locator(".site-header__subscribe").is_visible() and page.get_by_role("button", name="Menu").is_visible()
    button = page.get_by_role("button", name="Menu").bounding_box()
    assert button["width"] >= 44 and button["height"] >= 44, button
    assert page.locator(".site-header").bounding_box()["height"] < 80
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
