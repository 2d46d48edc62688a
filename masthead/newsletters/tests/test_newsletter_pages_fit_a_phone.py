"""Every newsletter page a person meets, in headless Chromium at 1280 and 390 px: the admin's list, compose,
send page (preview, progress, counts by state, unknown recipients), import and the demo mailbox; the
reader's preferences, unsubscribe and its confirmation, and the web archive. None scrolls sideways on a
phone, and none throws a JavaScript error. Screenshots go to MASTHEAD_SCREENSHOTS for a person to look at."""

from __future__ import annotations

import mailbox
import os
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from masthead.newsletters import tokens
from masthead.newsletters.models import Delivery, Send, SendKind, SendStatus

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("MASTHEAD_SCREENSHOTS", "/tmp/masthead-screenshots")) / "newsletters"  # noqa: S108
WIDTHS = (1280, 390)
OUTSIDE = """w => [...document.querySelectorAll('body *')].filter(e => {
    const r = e.getBoundingClientRect(), style = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && r.right > w + 1 && style.visibility !== 'hidden'
        && !e.closest('[aria-hidden="true"], [hidden], .w-sr-only, .visuallyhidden');
}).slice(0, 4).map(e => e.tagName.toLowerCase() + (typeof e.className === 'string' && e.className
    ? '.' + e.className.trim().split(/\\s+/).join('.') : '') + ' ' + Math.round(e.getBoundingClientRect().right) + 'px')"""


def _cookie(user: Any, url: str) -> dict[str, str]:
    client = Client()
    client.force_login(user)
    name = django_settings.SESSION_COOKIE_NAME
    return {"name": name, "value": client.cookies[name].value, "url": url}


def _look(browser: Any, url: str, name: str, *, cookie: dict[str, str] | None = None, then: Any = None) -> list[str]:
    """Open the page at each width; what is wrong with it (a sideways scroll, a script error), one line each."""
    problems = []
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-US")
        context.set_default_timeout(15_000)
        try:
            if cookie:
                context.add_cookies([cookie])
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
            response = page.goto(url, wait_until="load")
            if response is None or response.status != 200:
                problems.append(f"{name} at {width}: HTTP {response.status if response else '?'}")
                continue
            if then is not None:
                then(page)
            scroll = page.evaluate("document.scrollingElement.scrollWidth")
            if scroll > width:
                problems.append(f"{name} at {width}: the page is {scroll} px wide")
            # The Wagtail admin scrolls inside its own frame and clips what sticks out, so the document's width
            # alone misses a table cut off at the right: any visible element past the viewport's edge counts.
            past = page.evaluate(OUTSIDE, width)
            if past:
                problems.append(f"{name} at {width}: past the right edge: {', '.join(past)}")
            problems += [f"{name} at {width}: {error}" for error in errors]
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        finally:
            context.close()
    return problems


def test_every_newsletter_page_fits_a_phone_and_a_desktop(
    browser, live_server, settings, tmp_path, magazine, the_briefing, subscribe, member
):
    settings.SITE_URL = live_server.url
    settings.MAILBOX_DIR = str(tmp_path / "mailbox")
    box = mailbox.Maildir(settings.MAILBOX_DIR, create=True)
    box.add(
        b"From: The Masthead Review <newsletters@mag.example.com>\r\n"
        b"To: a-rather-long-address.for-a-phone@subdomain.example.com\r\n"
        b"Subject: A subject line long enough to wrap on a phone, as newsletter subjects often are\r\n"
        b"Message-ID: <nl1.d1234567@mag.example.com>\r\n"
        b"List-Unsubscribe: <https://mag.example.com/newsletters/unsubscribe/a-very-long-signed-token-that-does-not-break-anywhere-at-all/?send=1>\r\n"
        b"Content-Type: text/html\r\n\r\n<p>Hello</p>\r\n"
    )
    chief = get_user_model().objects.create_superuser("chief", "chief@example.com", "a-long-password-1")
    staff = _cookie(chief, live_server.url)
    subscriber = subscribe(member, the_briefing)

    draft = Send.objects.create(
        newsletter=the_briefing, kind=SendKind.ARTICLE, article=magazine.subscriber_article, subject="A Subscriber Investigation"
    )
    # A send under way with every state on its page, and an "unknown" row with a long address and reason.
    going = Send.objects.create(
        newsletter=the_briefing,
        kind=SendKind.POST,
        subject="This week",
        body="<p>Read this.</p>",
        status=SendStatus.PAUSED,
        started_at=timezone.now(),
        prepared=True,
        recipient_count=1,
    )
    Delivery.objects.create(
        send=going,
        subscriber=subscriber,
        email="a-rather-long-address.for-a-phone@subdomain.example.com",
        status="unknown",
        claimed_by="host:1:x",
        error="the worker stopped before recording the result",
    )
    sent = Send.objects.create(
        newsletter=the_briefing,
        kind=SendKind.ARTICLE,
        article=magazine.public_article,
        subject="A Public Report",
        status=SendStatus.SENT,
        started_at=timezone.now(),
        finished_at=timezone.now(),
        prepared=True,
    )
    key = box.keys()[0]
    base = live_server.url
    unsubscribe = f"{base}/newsletters/unsubscribe/{tokens.unsubscribe_token(subscriber.pk, the_briefing.pk)}/"

    def confirm(page: Any) -> None:
        page.get_by_role("button", name="Unsubscribe").click()
        page.wait_for_load_state("load")
        assert "You are unsubscribed" in page.content()

    problems: list[str] = []
    for name, path in [
        ("admin-sends", "/admin/sends/"),
        ("admin-compose", "/admin/sends/new/"),
        ("admin-draft", f"/admin/sends/{draft.pk}/"),
        ("admin-edit", f"/admin/sends/{draft.pk}/edit/"),
        ("admin-preview", f"/admin/sends/{draft.pk}/preview/"),
        ("admin-progress", f"/admin/sends/{going.pk}/"),
        ("admin-import", f"/admin/sends/import/{the_briefing.pk}/"),
        ("admin-mailbox", "/admin/mailbox/"),
        ("admin-mailbox-message", f"/admin/mailbox/{key}/"),
    ]:
        problems += _look(browser, base + path, name, cookie=staff)
    problems += _look(browser, f"{base}/newsletters/preferences/{tokens.preferences_token(subscriber.pk)}/", "preferences")
    problems += _look(browser, unsubscribe, "unsubscribe")
    problems += _look(browser, unsubscribe, "unsubscribe-done", then=confirm)
    problems += _look(browser, f"{base}/newsletters/", "archive")
    problems += _look(browser, f"{base}/newsletters/archive/{sent.pk}/", "archive-send")
    assert not problems, "\n".join(problems)
