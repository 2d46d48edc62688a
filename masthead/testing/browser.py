"""pytest fixtures for browser tests: headless Debian Chromium driven by Playwright.

Use them with pytest-django's ``live_server`` (a real HTTP server in a thread,
transactional database) and mark the test ``@pytest.mark.browser`` so a quick
run can skip them with ``-m "not browser"``::

    @pytest.mark.browser
    def test_reader_sees_the_article(page, live_server, magazine):
        page.goto(live_server.url + magazine.public_article.url)
        assert page.get_by_role("heading", level=1).inner_text() == "A Public Report"
        assert serious(axe(page)) == []

Playwright never downloads a browser here: it launches the machine's
/usr/bin/chromium. The flags keep Chromium from reaching for Google services
that this closed network refuses (each refused connection costs start-up time).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("MASTHEAD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

# Impact levels that fail a page: axe's "serious" and "critical" block real
# readers (unreadable contrast, unlabeled controls); "minor"/"moderate" are
# reported but left to judgement.
BLOCKING_IMPACTS = frozenset({"serious", "critical"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests on pytest-django's live_server get serialized rollback.

    live_server makes a test transactional: the database is flushed after it,
    which also deletes the rows Wagtail's migrations create (root page,
    default locale, root collection, editor groups). Serialized rollback
    reloads them before each such test, so the second browser test starts
    from the same database as the first. Non-transactional tests run before
    transactional ones (pytest-django orders them so) and never see a flushed
    database.
    """
    for item in items:
        if "live_server" in getattr(item, "fixturenames", ()) and item.get_closest_marker("django_db") is None:
            item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))


def _carry_serialized_contents(snapshot: dict[str, Any]) -> None:
    """Hand the test database's serialized rows to the connections seen after Playwright starts.

    Once Playwright's event loop runs in this thread, Django's per-context
    ``connections`` hands out fresh DatabaseWrapper objects that lack
    ``_test_serialized_contents``; serialized_rollback then silently reloads
    nothing, and a browser test that follows any other transactional test
    (which flushed the database) finds no root page.
    """
    from django.db import connections

    for alias, contents in snapshot.items():
        if contents is not None and not hasattr(connections[alias], "_test_serialized_contents"):
            connections[alias]._test_serialized_contents = contents


@pytest.fixture(scope="session")
def browser(django_db_setup: Any) -> Iterator[Any]:
    """One Chromium for the whole run: starting it costs ~0.5 s, a context ~10 ms."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an asyncio event loop in this thread (it
    # switches to it with greenlets). Django sees that running loop and
    # refuses ORM calls from the test body ("SynchronousOnlyOperation: You
    # cannot call this from an async context") although the test code is
    # plain synchronous code that never runs concurrently with the loop. The
    # flag only relaxes that check; the live server answers requests in its
    # own thread either way. Restored afterwards so non-browser tests keep
    # Django's protection.
    snapshot = {alias: getattr(connections[alias], "_test_serialized_contents", None) for alias in connections}
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            _carry_serialized_contents(snapshot)
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context per test: no cookies or storage carried between tests."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    # Fail fast instead of waiting Playwright's default 30 s on a broken page.
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def axe(page: Any, *, context: str | None = None, rules: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now; return its violations (every impact level).

    ``context`` is an optional CSS selector to limit the scan; ``rules`` is
    passed as axe's ``rules`` option, e.g. ``{"region": {"enabled": False}}``.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    options: dict[str, Any] = {"resultTypes": ["violations"]}
    if rules:
        options["rules"] = rules
    result = page.evaluate(
        "async ([context, options]) => await window.axe.run(context || document, options)",
        [context, options],
    )
    return list(result["violations"])


def serious(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Only the violations that must fail a test (serious or critical impact)."""
    return [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]


def describe(violations: list[dict[str, Any]]) -> str:
    """A readable failure message: rule, impact, help and the offending elements."""
    lines = []
    for v in violations:
        lines.append(f"[{v.get('impact')}] {v['id']}: {v['help']} ({v.get('helpUrl', '')})")
        for node in v.get("nodes", [])[:5]:
            lines.append(f"    {' '.join(node.get('target', []))}: {node.get('failureSummary', '').splitlines()[-1:]}")
    return "\n".join(lines)
