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

import functools
import os
import time
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
    """Tests on pytest-django's live_server are transactional.

    The database is flushed after each, which also deletes the rows Wagtail's
    migrations create; builders.restore_wagtail_baseline() puts them back.
    (Serialized rollback clashes with content types that other transactional
    tests' flushes recreate, so it is not used.)
    """
    for item in items:
        if "live_server" in getattr(item, "fixturenames", ()) and item.get_closest_marker("django_db") is None:
            item.add_marker(pytest.mark.django_db(transaction=True))


@pytest.fixture(scope="module")
def browser(django_db_setup: None) -> Iterator[Any]:
    """One Chromium per test module: starting it costs ~0.5 s, a context ~10 ms.

    Module-scoped rather than session-scoped on purpose. Playwright's sync API
    leaves its asyncio loop marked as running in this thread between calls, and
    Django reacts to a running loop in two ways: ORM calls raise
    SynchronousOnlyOperation, and database connections move to per-context
    storage (new connection objects). Closing the browser after each module
    confines both to the browser tests instead of every test that runs later
    in the session (async_to_sync, used e.g. by signals with async receivers,
    refuses to run beside a running loop at all).
    """
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # The test body is plain synchronous code that never runs concurrently
    # with Playwright's loop, so Django's async-safety check is a false alarm
    # here; the flag relaxes only that check, only while the browser is open.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    # The connection objects Django hands out once the loop "runs" are new
    # ones. django_db_setup above makes the test database exist first, on the
    # connections every other test uses; a test that opts into serialized
    # rollback also needs the snapshot carried over to the new objects.
    snapshots = {
        alias: getattr(connections[alias], "_test_serialized_contents")  # noqa: B009 (private to Django's test runner)
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    try:
        with sync_playwright() as playwright:
            for alias, snapshot in snapshots.items():
                setattr(connections[alias], "_test_serialized_contents", snapshot)  # noqa: B010
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


# Runs in every document and frame before the page's own scripts: each
# Content-Security-Policy violation the browser reports (blocked or, under a
# report-only policy, merely reported) goes to the test.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__mastheadCspViolation({
    directive: event.effectiveDirective, blocked: event.blockedURI, document: event.documentURI,
    source: event.sourceFile, line: event.lineNumber, sample: event.sample, disposition: event.disposition,
  });
}, true);
"""


def _is_csp_message(text: str) -> bool:
    # Chromium's console lines for a blocked load or a malformed policy.
    return "Content Security Policy" in text or "Content-Security-Policy" in text


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context per test: no cookies or storage carried between tests.

    Every Content-Security-Policy violation on any page or frame the test
    visits fails the test (at teardown, listing each). A test that means to
    provoke one takes the ``csp_violations`` fixture and empties it.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    # Fail fast instead of waiting Playwright's default 30 s on a broken page.
    context.set_default_timeout(10_000)
    violations: list[str] = []
    context.expose_function(
        "__mastheadCspViolation",
        lambda v: violations.append(
            f"{v['document']}: {v['directive']} blocked {v['blocked'] or 'inline'}"
            f" ({v['disposition']}; {v['source'] or 'the document'}:{v['line']}) {v['sample']!r}"
        ),
    )
    context.add_init_script(CSP_LISTENER)
    try:
        new_page = context.new_page()
        new_page.on("console", lambda m: violations.append(f"console {m.type}: {m.text}") if _is_csp_message(m.text) else None)
        new_page.masthead_csp_violations = violations
        yield new_page
        if not new_page.is_closed():
            new_page.evaluate("() => 0")  # a round trip, so events already sent have arrived
        if violations:
            pytest.fail("Content-Security-Policy violations:\n" + "\n".join(violations), pytrace=False)
    finally:
        context.close()


@pytest.fixture
def csp_violations(page: Any) -> list[str]:
    """The CSP violations seen so far; a test that provokes one on purpose asserts on it, then clears it."""
    violations: list[str] = page.masthead_csp_violations
    return violations


@pytest.fixture
def js_errors(page: Any) -> list[str]:
    """Uncaught JavaScript errors on the page, collected from now on; assert it stays empty.

    A script that throws leaves a page that looks right in a screenshot but
    whose controls do nothing.
    """
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    return errors


def wait_until(page: Any, expression: str, *, timeout_ms: int = 10_000) -> None:
    """Wait until a JavaScript expression is truthy on the page.

    Use this instead of Playwright's ``page.wait_for_function``: that one runs
    its predicate through ``eval`` inside the page, which the site's policy
    (no 'unsafe-eval') refuses. ``page.evaluate`` goes through the DevTools
    protocol, which the policy does not govern.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout_ms} ms: {expression}")
        page.wait_for_timeout(25)


@functools.cache
def _axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def axe(page: Any, *, context: str | None = None, rules: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now; return its violations (every impact level).

    ``context`` is an optional CSS selector to limit the scan; ``rules`` is
    passed as axe's ``rules`` option, e.g. ``{"region": {"enabled": False}}``.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, which the page's CSP does not
        # govern; add_script_tag would insert an inline script that it blocks.
        page.evaluate(_axe_source())
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
