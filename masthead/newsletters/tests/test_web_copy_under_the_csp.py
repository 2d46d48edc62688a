"""The web copy of a sent newsletter is the email's own HTML, full of inline styles
(MJML's <style> blocks, css-inline's style attributes): its page, and only it, may
apply inline styles; scripts stay as blocked as anywhere on the site."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from masthead.newsletters import sending
from masthead.newsletters.models import Send, SendKind
from masthead.testing.csp import policy_of, strictness_problems


def sent_issue(magazine: Any, newsletter: Any, capture: Any) -> Send:
    send = Send.objects.create(newsletter=newsletter, kind=SendKind.ISSUE, issue=magazine.issue, subject="The issue")
    with capture(execute=True):
        sending.start(send=send)
    return send


def test_only_the_web_copy_allows_inline_styles(
    smtp_server: Any, magazine: Any, the_briefing: Any, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.SITE_URL = "https://magazine.example"
    send = sent_issue(magazine, the_briefing, django_capture_on_commit_callbacks)
    policy = policy_of(Client().get(f"/newsletters/archive/{send.pk}/"))
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["img-src"] == ["'self'", "https://magazine.example"]  # the email's absolute image URLs
    assert strictness_problems({**policy, "style-src": ["'self'"]}) == []
    # The archive list around it keeps the strict policy.
    assert strictness_problems(policy_of(Client().get("/newsletters/"))) == []


@pytest.mark.browser
def test_the_web_copy_looks_like_the_email_without_a_violation(
    page: Any,
    live_server: Any,
    smtp_server: Any,
    magazine: Any,
    the_briefing: Any,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
) -> None:
    """The page fixture fails this test on any CSP violation; the styles must also have applied."""
    settings.SITE_URL = live_server.url
    send = sent_issue(magazine, the_briefing, django_capture_on_commit_callbacks)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/newsletters/archive/{send.pk}/")
        # Styled: the email's columns are capped at 600 px by style attributes alone.
        columns = page.locator("div[style*='max-width:600px']")
        assert columns.count() > 0
        assert columns.evaluate_all("cs => cs.map(c => getComputedStyle(c).maxWidth)") == ["600px"] * columns.count()
        broken = page.evaluate("() => [...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)")
        assert broken == []
