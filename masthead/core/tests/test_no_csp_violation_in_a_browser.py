"""In Chromium, under the real headers: reader pages and the admin run without one CSP violation.

The ``page`` fixture (masthead/testing/browser.py) fails any browser test on a
violation, so every page any browser test visits is checked; this module makes
sure the check itself bites, walks the pages no other browser test opens (the
admin, its preview frame) and shows that an article embed survives the policy.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from wagtail.embeds.embeds import get_embed_hash
from wagtail.embeds.models import Embed

from masthead.testing import builders

pytestmark = pytest.mark.browser

EMBED_URL = "https://www.youtube-nocookie.com/embed/csp-test"


def sign_in(page: Any, live_server: Any, user: Any) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])


def stay_on_loopback(page: Any, live_server: Any) -> None:
    """Nothing leaves the machine: any other origin is answered here, as a tiny page."""
    page.context.route(
        lambda url: not url.startswith(live_server.url),
        lambda route: route.fulfill(status=200, content_type="text/html", body="<!DOCTYPE html><title>elsewhere</title>"),
    )


def wait_for(page: Any, found: list[str]) -> None:
    # The violation event is queued as a task: give the page a few round trips to report it.
    for _ in range(100):
        if found:
            return
        page.wait_for_timeout(20)


def test_the_check_bites_on_an_injected_inline_script_and_style(
    page: Any, live_server: Any, magazine: Any, csp_violations: list[str]
) -> None:
    page.goto(live_server.url + magazine.public_article.url)
    assert csp_violations == []
    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.injected = true";
          document.body.append(script);
          document.querySelector("h1").setAttribute("style", "color: red");
        }"""
    )
    wait_for(page, csp_violations)
    page.evaluate("() => 0")
    assert page.evaluate("() => window.injected === true") is False
    assert page.locator("h1").evaluate("h => getComputedStyle(h).color") != "rgb(255, 0, 0)"
    assert any("script-src-elem blocked inline" in v for v in csp_violations), csp_violations
    assert any("style-src-attr blocked inline" in v for v in csp_violations), csp_violations
    csp_violations.clear()  # provoked on purpose; anything left would fail this test


def test_reader_pages_and_the_admin_run_clean(
    page: Any, live_server: Any, magazine: Any, member: Any, js_errors: list[str], settings: Any
) -> None:
    # No calls home from the admin while testing (Wagtail's release check, Gravatar).
    settings.WAGTAIL_ENABLE_UPDATE_CHECK = False
    settings.WAGTAIL_GRAVATAR_PROVIDER_URL = None
    stay_on_loopback(page, live_server)
    articles = (magazine.public_article.url, magazine.subscriber_article.url)
    reader_pages = ("/", *articles, magazine.issue.url, "/billing/", "/account/signin/")
    for url in reader_pages:
        assert page.goto(live_server.url + url).status == 200, url
    sign_in(page, live_server, member)
    assert page.goto(live_server.url + "/account/").status == 200

    admin = get_user_model().objects.create_superuser("csp-admin", "csp-admin@example.com", "a-long-password-1")
    sign_in(page, live_server, admin)
    for url in ("/admin/", "/admin/pages/", f"/admin/pages/{magazine.public_article.pk}/", "/admin/images/"):
        assert page.goto(live_server.url + url).status == 200, url
    page.goto(f"{live_server.url}/admin/pages/{magazine.public_article.pk}/edit/")
    page.locator("[data-side-panel-toggle='preview']").first.click()
    preview = page.frame_locator("iframe[title='Preview']").last  # Wagtail swaps in a fresh frame on load
    preview.locator("h1", has_text="A Public Report").wait_for()
    assert js_errors == []


def test_an_embed_keeps_its_ratio_without_a_style_attribute(page: Any, live_server: Any, magazine: Any) -> None:
    """Wagtail's own template writes the ratio into a style attribute, which the policy forbids."""
    Embed.objects.create(
        url=EMBED_URL,
        hash=get_embed_hash(EMBED_URL),
        type="video",
        html=f'<iframe src="{EMBED_URL}" width="400" height="300" title="A video" allowfullscreen></iframe>',
        width=400,
        height=300,
    )
    article = builders.make_article(
        magazine.sections["Culture"],
        "An Embedded Film",
        authors=[magazine.author],
        paragraphs=["Watch this."],
        extra_blocks=[{"type": "embed", "value": {"embed": EMBED_URL, "caption": "The film"}}],
    )
    stay_on_loopback(page, live_server)
    response = page.goto(live_server.url + article.url)
    html = response.text()
    assert 'class="responsive-object" data-ratio="75.0%"' in html and "style=" not in html
    box = page.locator(".responsive-object")
    box.locator("iframe").wait_for()
    width, padding = box.evaluate("b => [b.clientWidth, parseFloat(getComputedStyle(b).paddingBottom)]")
    assert padding == pytest.approx(width * 0.75, abs=1)
    frame = box.locator("iframe").bounding_box()
    assert frame is not None
    assert (frame["width"], frame["height"]) == (pytest.approx(width, abs=1), pytest.approx(padding, abs=1))
