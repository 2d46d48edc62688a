"""Members benchmark: the entitlement check itself, and a subscriber's article page (signed in, uncached).

    python -m masthead.bench members

1. can_read(subscriber, article) calls/s in one process, with 1,000 and then
   50,000 grants in the table, beside a reference in the same run: the
   cheapest possible indexed query (User.objects.filter(pk=...).exists()).
2. wrk against granian (2 workers) with the subscriber's session cookie on a
   subscriber article — every request goes through the session, the auth user,
   the policy and a full render — beside an anonymous public article with the
   page cache off (the same render without the entitlement work).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.request

from masthead.bench.common import (
    BENCH_DIR,
    PYTHON,
    ROOT,
    WrkResult,
    app_env,
    machine_facts,
    port_is_free,
    start,
    wait_for_http,
    wrk,
)

APP_PORT = 8132
DATA = BENCH_DIR / "members-data"
SECONDS = 10
CONNECTIONS = 32
GRANT_COUNTS = (1_000, 50_000)


def _env() -> dict[str, str]:
    return app_env(DATA, port=APP_PORT, PAGE_CACHE_ENABLED="0")


# --- Inside the Django process (run through `python -c`) ----------------------


def build() -> str:
    """A small magazine, a subscriber and a session; prints JSON with the URLs and the cookie."""
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from masthead.access import services
    from masthead.testing import builders

    home = builders.ensure_home()
    section = builders.ensure_section(home, "Finance")
    author = builders.ensure_author(home, "Angeline Tan", role="Correspondent")
    paragraphs = [f"Paragraph {n} of a long investigation into how money moves, with enough words to be real." for n in range(12)]
    public = builders.make_article(section, "A public report", authors=[author], paragraphs=paragraphs)
    paid = builders.make_article(
        section, "A subscriber investigation", authors=[author], paragraphs=paragraphs, access="subscribers", preview_after=2
    )
    user = get_user_model().objects.create_user("bench-subscriber", "bench@example.com")
    now = timezone.now()
    services.grant_access(
        user=user, kind="subscription", reference="sub_bench", starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=30)
    )
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return json.dumps({"public": public.url, "paid": paid.url, "cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}"})


def entitlement_rates() -> str:
    """calls/s of can_read and of the reference query at each grant count; prints JSON."""
    import time
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from masthead.access.entitlements import can_read
    from masthead.access.models import Grant
    from masthead.newsroom.models import ArticlePage

    User = get_user_model()
    subscriber = User.objects.get(username="bench-subscriber")
    member = User.objects.create_user("bench-member", "member@example.com")
    page = ArticlePage.objects.get(access="subscribers")
    now = timezone.now()

    def rate(fn: object, seconds: float = 2.0) -> float:
        calls, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds:
            for _ in range(200):
                fn()  # type: ignore[operator]
            calls += 200
        return calls / elapsed

    results = []
    for total in GRANT_COUNTS:
        missing = total - Grant.objects.count()
        users = User.objects.bulk_create(
            [User(username=f"reader-{total}-{n}", email=f"r{total}-{n}@example.com") for n in range(missing)], batch_size=2000
        )
        Grant.objects.bulk_create(
            [
                Grant(
                    user=u,
                    kind="subscription",
                    reference=f"sub_{total}_{n}",
                    starts_at=now - timedelta(days=n % 300),
                    ends_at=now + timedelta(days=(n % 60) - 20),  # a third already ended
                )
                for n, u in enumerate(users)
            ],
            batch_size=2000,
        )
        results.append(
            {
                "grants": Grant.objects.count(),
                "subscriber": rate(lambda: can_read(subscriber, page)),
                "member": rate(lambda: can_read(member, page)),
                "reference": rate(lambda: User.objects.filter(pk=subscriber.pk).exists()),
            }
        )
    return json.dumps(results)


# --- The section ----------------------------------------------------------------


def _django(code: str, env: dict[str, str]) -> str:
    out = subprocess.run(
        [PYTHON, "-c", f"import django; django.setup(); {code}"], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return out.stdout.strip().splitlines()[-1]


def _wrk(url: str, cookie: str | None) -> WrkResult:
    return wrk(url, seconds=SECONDS, connections=CONNECTIONS, headers=[f"Cookie: {cookie}"] if cookie else [])


def run() -> str:
    if not port_is_free(APP_PORT):
        raise RuntimeError(f"port {APP_PORT} on 127.0.0.1 is taken; the members benchmark needs it")
    shutil.rmtree(DATA, ignore_errors=True)
    DATA.mkdir(parents=True)
    env = _env()
    manage = [PYTHON, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    facts = json.loads(_django("from masthead.bench.members import build; print(build())", env))

    # Page loads first, while the table holds one grant; then the micro-benchmark grows it.
    base = f"http://127.0.0.1:{APP_PORT}"
    cmd = [PYTHON, "-m", "granian", "--interface", "wsgi", "--workers", "2", "--blocking-threads", "1"]
    server = start("members-app", [*cmd, "--host", "127.0.0.1", "--port", str(APP_PORT), "masthead.wsgi:application"], env=env)
    pages = []
    try:
        wait_for_http(f"{base}{facts['public']}", timeout=90, proc=server.proc)
        request = urllib.request.Request(f"{base}{facts['paid']}", headers={"Cookie": facts["cookie"]})  # noqa: S310
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback, our own server)
            check = response.read().decode()
        if "Paragraph 11" not in check:
            raise RuntimeError("the benchmark subscriber did not get the full article; the measurement would be of a teaser")
        pages.append(("subscriber, signed in", "subscriber article, full text", _wrk(f"{base}{facts['paid']}", facts["cookie"])))
        pages.append(("anonymous (reference)", "public article, page cache off", _wrk(f"{base}{facts['public']}", None)))
    finally:
        server.stop()

    rates = json.loads(_django("from masthead.bench.members import entitlement_rates; print(entitlement_rates())", env))
    return _markdown(pages, rates)


def _markdown(pages: list[tuple[str, str, WrkResult]], rates: list[dict[str, float]]) -> str:
    lines = [
        "## Members: the entitlement check and a subscriber's article page",
        "",
        machine_facts(),
        "",
        "`can_read(user, article)` in one process (DEBUG=0, SQLite), 2 s per figure. The reference is the cheapest "
        "indexed query Django can make, `User.objects.filter(pk=…).exists()`, measured in the same run.",
        "",
        "| grants in the table | can_read, subscriber (calls/s) | can_read, free member (calls/s) | reference query (calls/s) |",
        "|---:|---:|---:|---:|",
    ]
    for row in rates:
        lines.append(f"| {row['grants']:,.0f} | {row['subscriber']:,.0f} | {row['member']:,.0f} | {row['reference']:,.0f} |")
    lines += [
        "",
        f"Article pages: granian, 2 workers, page cache off, `wrk -t2 -c{CONNECTIONS} -d{SECONDS}s --latency` after a 3 s "
        "warm-up on loopback. The signed-in row sends the subscriber's session cookie; its page is checked to carry "
        "the full text before the run.",
        "",
        "| reader | page | req/s | p50 | p99 | non-2xx |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for reader, page, r in pages:
        lines.append(f"| {reader} | {page} | {r.requests_per_s:,.0f} | {r.p50_ms:.2f} ms | {r.p99_ms:.2f} ms | {r.errors} |")
    return "\n".join(lines)
