"""`make screens`: every page a reader, a subscriber and an editor meets, at 1280 and 390 px, with Lighthouse.

Builds a throwaway demo magazine (its own var directory, SQLite, no Stripe keys: the plans show,
nothing is charged), serves it with the production server on a free loopback port, signs a
subscriber and the demo's admin in, takes the screenshots with headless Chromium and runs
Lighthouse (npm, pinned in package.json) on the pages the issue names, phone and desktop. Writes
docs/screens.md and docs/screens/*.jpg; nothing else is touched.

    python -m masthead.testing.screens [--no-lighthouse] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SHOTS = DOCS / "screens"
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("MASTHEAD_CHROMIUM", "/usr/bin/chromium")
CHROME_FLAGS = " ".join(
    ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
    + ["--disable-sync", "--no-first-run"]
)
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
# Long pages are cut here: the top of a page is what these screenshots are for.
MAX_HEIGHT = {"desktop": 2400, "phone": 2600}
SEED = "/foreign-affairs/kremlin-unveils-conditions-for-talks-with-us/"


@dataclass(frozen=True)
class Screen:
    who: str  # reader, subscriber, editor
    name: str
    path: str
    lighthouse: bool = False


def screens(gated: str, author: str) -> list[Screen]:
    return [
        Screen("reader", "Home", "/", True),
        Screen("reader", "Section", "/politics/", True),
        Screen("reader", "Article (free)", SEED, True),
        Screen("reader", "Article (paywall)", gated),
        Screen("reader", "Issue", "/issues/40-7/", True),
        Screen("reader", "Back issues", "/issues/"),
        Screen("reader", "Writers", "/authors/"),
        Screen("reader", "Writer", author),
        Screen("reader", "Search", "/search/?q=Kremlin"),
        Screen("reader", "Plans", "/billing/", True),
        Screen("reader", "Sign in", "/account/signin/", True),
        Screen("reader", "Create an account", "/account/signup/"),
        Screen("reader", "About", "/about/"),
        Screen("reader", "Terms", "/terms/"),
        Screen("reader", "Not found", "/no-such-page/"),
        Screen("subscriber", "Home", "/"),
        Screen("subscriber", "Article (subscriber)", gated),
        Screen("subscriber", "Account", "/account/", True),
        Screen("editor", "Dashboard", "/admin/"),
        Screen("editor", "Pages", "/admin/pages/"),
        Screen("editor", "Magazine settings", "/admin/settings/core/magazinesettings/"),
    ]


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=1800
    )
    return done.stdout


PERSONAS = """
import json
from datetime import date, timedelta
from django.contrib.auth import get_user_model
from django.test import Client
from masthead.access.services import grant_comp
from masthead.newsroom.models import ArticlePage, AuthorPage
users = get_user_model().objects
reader, made = users.get_or_create(username="subscriber@example.com", defaults={"email": "subscriber@example.com"})
if made:
    grant_comp(user=reader, until=date.today() + timedelta(days=365), note="make screens")
cookies = {}
for name, user in (("subscriber", reader), ("editor", users.get(username="admin"))):
    client = Client()
    client.force_login(user)
    cookies[name] = client.cookies["sessionid"].value
gated = ArticlePage.objects.live().filter(access="subscribers").order_by("-date").first()
author = AuthorPage.objects.live().order_by("title").first()
print(json.dumps({"cookies": cookies, "gated": gated.url, "author": author.url}))
"""


def build_site(var: Path, port: int) -> tuple[dict[str, str], dict[str, Any]]:
    env = {
        **os.environ,
        "MASTHEAD_VAR_DIR": str(var),
        "DEBUG": "0",
        "SECRET_KEY": "make-screens-" + os.urandom(16).hex(),
        "SERVE_MEDIA": "1",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    for name in ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_API_BASE", "REDIS_URL", "DATABASE_URL"):
        env.pop(name, None)
    say("screens: building the demo magazine (a few minutes)")
    _manage(env, "migrate", "--noinput", "-v0")
    _manage(env, "collectstatic", "--noinput", "-v0")
    _manage(env, "setup_demo")
    _manage(env, "setup_house_ads")
    _manage(env, "setup_billing_demo")
    facts = json.loads(_manage(env, "shell", "-v0", "-c", PERSONAS).strip().splitlines()[-1])
    return env, facts


def serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(  # noqa: S603 - our own script
        ["scripts/serve.sh"],  # noqa: S607 - the repository's own script
        cwd=ROOT,
        env={
            **env,
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "WEB_WORKERS": "2",
            "SERVE_MIGRATE": "0",
            "SERVE_COLLECTSTATIC": "0",
            "PYTHON": sys.executable,
            "GRANIAN_LOG_ACCESS_ENABLED": "0",
        },
        start_new_session=True,
    )
    for _ in range(240):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).close()  # noqa: S310 - loopback
            return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("screens: the server did not start")


def _slug(screen: Screen) -> str:
    return f"{screen.who}-" + "".join(c if c.isalnum() else "-" for c in screen.name.lower()).strip("-")


def take_screenshots(base: str, facts: dict[str, Any], shots: list[Screen]) -> dict[str, list[str]]:
    from playwright.sync_api import sync_playwright

    notes: dict[str, list[str]] = {}
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROME_FLAGS.split())
        for who in ("reader", "subscriber", "editor"):
            for form, (width, height) in WIDTHS.items():
                context = browser.new_context(viewport={"width": width, "height": height}, locale="en-US")
                if who != "reader":
                    context.add_cookies([{"name": "sessionid", "value": facts["cookies"][who], "url": base}])
                page = context.new_page()
                page.set_default_timeout(180_000)
                for screen in (s for s in shots if s.who == who):
                    page.goto(base + screen.path, wait_until="networkidle")
                    # Bring lazy images in, then back to the top.
                    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
                    page.wait_for_timeout(300)
                    page.evaluate("window.scrollTo(0, 0)")
                    page.wait_for_load_state("networkidle")
                    full = int(page.evaluate("document.documentElement.scrollHeight"))
                    overflow = int(page.evaluate("document.documentElement.scrollWidth")) - width
                    if overflow > 0:
                        notes.setdefault(_slug(screen), []).append(f"scrolls sideways by {overflow} px at {width} px")
                    clip = {"x": 0, "y": 0, "width": width, "height": min(full, MAX_HEIGHT[form])}
                    target = str(SHOTS / f"{_slug(screen)}-{width}.jpg")
                    page.screenshot(path=target, full_page=True, clip=clip, type="jpeg", quality=62)
                context.close()
        browser.close()
    return notes


def lighthouse(url: str, form: str, cookie: str | None, out: Path) -> dict[str, int]:
    args = [
        str(LIGHTHOUSE), url, f"--chrome-path={CHROMIUM}", f"--chrome-flags={CHROME_FLAGS}",
        "--only-categories=performance,accessibility,best-practices,seo", "--output=json", f"--output-path={out}", "--quiet",
    ]  # fmt: skip
    if form == "desktop":
        args.append("--preset=desktop")
    if cookie:
        args.append("--extra-headers=" + json.dumps({"Cookie": f"sessionid={cookie}"}))
    done = subprocess.run(args, check=False, timeout=600, env={**os.environ, "CHROME_PATH": CHROMIUM}, capture_output=True)  # noqa: S603
    if done.returncode != 0:
        # Lighthouse says why on stderr (a page error, a timeout): keep its last line for the table.
        last = (done.stderr.decode(errors="replace").strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"exit {done.returncode}: {last[:200]}")
    report = json.loads(out.read_text())
    scores = {key: round(100 * (cat["score"] or 0)) for key, cat in report["categories"].items()}
    failing = [
        audit["title"]
        for audit in report["audits"].values()
        if audit.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings")
        and audit.get("score") is not None
        and audit["score"] < 0.9
    ]
    scores["failing"] = failing  # type: ignore[assignment]
    return scores


def write_markdown(shots: list[Screen], scores: dict[tuple[str, str], dict[str, Any]], notes: dict[str, list[str]]) -> None:
    lines = [
        "# Screens",
        "",
        "Every page a reader, a subscriber and an editor meets, at 1280 and 390 px, on the demo magazine, with",
        "Lighthouse 12 (headless Chromium) on the pages issue #12 names. Regenerate with `make screens`",
        f"(`python -m masthead.testing.screens`). Last run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average",
        f"{os.getloadavg()[0]:.1f} at the end, on {os.cpu_count()} CPUs (Performance is measured with Lighthouse's simulated",
        "throttling of this machine's CPU: a slower or busier machine scores lower on it; the other three do not move).",
        "",
    ]
    if scores:
        lines += [
            "## Lighthouse",
            "",
            "| page | form | Performance | Accessibility | Best Practices | SEO | audits under 90 |",
            "|---|---|---|---|---|---|---|",
        ]
        for (name, form), found in scores.items():
            if "error" in found:
                lines.append(f"| {name} | {form} | – | – | – | – | {found['error']} |")
                continue
            failing = "; ".join(found["failing"]) or "none"
            numbers = " | ".join(str(found[key]) for key in ("performance", "accessibility", "best-practices", "seo"))
            lines.append(f"| {name} | {form} | {numbers} | {failing} |")
        lines += [
            "",
            "The account page is a signed-in reader's own and is kept out of search engines on purpose (robots.txt",
            'and `noindex`), so "Page is blocked from indexing" (SEO 63) is expected there; every public page is',
            "meant to score SEO 100. Pages rendered per request (sign-in, plans, account, a signed-in reader's pages)",
            "are sent gzipped like the cached ones (masthead/core/compression.py).",
            "",
        ]
    for who in ("reader", "subscriber", "editor"):
        lines += [f"## {who.capitalize()}", ""]
        for screen in (s for s in shots if s.who == who):
            slug = _slug(screen)
            lines.append(f"### {screen.name} — `{screen.path}`")
            lines.append("")
            for note in notes.get(slug, []):
                lines.append(f"- {note}")
            lines.append(f"![{screen.name}, 1280 px](screens/{slug}-1280.jpg)")
            lines.append(f"![{screen.name}, 390 px](screens/{slug}-390.jpg)")
            lines.append("")
    (DOCS / "screens.md").write_text("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-lighthouse", action="store_true", help="screenshots only")
    parser.add_argument("--keep", action="store_true", help="leave the demo's var directory for inspection")
    parser.add_argument("--reuse-screenshots", action="store_true", help="keep docs/screens/ as it is; Lighthouse only")
    parser.add_argument(
        "--running",
        metavar="VAR_DIR:PORT",
        help="use a demo already running on 127.0.0.1:PORT from VAR_DIR (make run) instead of building one",
    )
    options = parser.parse_args()
    server = None
    if options.running:
        given, _, port_text = options.running.rpartition(":")
        var, port = Path(given), int(port_text)
        env = {**os.environ, "MASTHEAD_VAR_DIR": str(var)}
        facts = json.loads(_manage(env, "shell", "-v0", "-c", PERSONAS).strip().splitlines()[-1])
    else:
        var = Path(tempfile.mkdtemp(prefix="masthead-screens-"))
        port = _free_port()
    try:
        if not options.running:
            env, facts = build_site(var, port)
            server = serve(env, port)
        base = f"http://127.0.0.1:{port}"
        shots = screens(facts["gated"], facts["author"])
        notes: dict[str, list[str]] = {}
        if not options.reuse_screenshots:
            if SHOTS.exists():
                shutil.rmtree(SHOTS)
            say("screens: screenshots")
            notes = take_screenshots(base, facts, shots)
        write_markdown(shots, {}, notes)
        scores: dict[tuple[str, str], dict[str, Any]] = {}
        if not options.no_lighthouse:
            for screen in (s for s in shots if s.lighthouse):
                for form in ("phone", "desktop"):
                    say(f"screens: lighthouse {screen.name} ({form})")
                    cookie = facts["cookies"].get(screen.who)
                    report = Path(tempfile.gettempdir()) / f"masthead-lighthouse-{os.getpid()}.json"
                    # Twice at most: Chromium's trace sometimes misses the navigation (NO_NAVSTART), and
                    # Lighthouse's own advice is to run it again.
                    for attempt in (1, 2):
                        try:
                            scores[(screen.name, form)] = lighthouse(base + screen.path, form, cookie, report)
                            break
                        except (subprocess.SubprocessError, OSError, ValueError, RuntimeError) as exc:
                            scores[(screen.name, form)] = {"error": f"lighthouse failed ({attempt}×): {exc}".replace("|", "/")}
                    # After every run: Lighthouse is slow on a busy machine, and a cut-short run keeps what it measured.
                    write_markdown(shots, scores, notes)
        write_markdown(shots, scores, notes)
        say(f"screens: wrote {DOCS / 'screens.md'}")
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        if not options.keep and not options.running:
            shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
