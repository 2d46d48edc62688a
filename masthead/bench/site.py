"""Site benchmark: the seed article for every kind of reader, beside nginx, on SQLite and on PostgreSQL.

For each database (SQLite, then a throwaway PostgreSQL 15 cluster) one run
builds the demo magazine (setup_demo, its house ads, a subscriber), saves the
anonymous article's HTML for nginx to serve as a static file, and loads each
setup with wrk on loopback:

- anonymous reader, page cache on: local-memory cache, Redis cache, and
  through Varnish (deploy/varnish/default.vcl) in front of the app;
- anonymous reader, page cache off (every request renders);
- signed-in subscriber (session cookie): local memory and Redis, and with the
  page cache off for comparison;
- on SQLite, gunicorn (gthread) beside granian for the same two readers.

Reported per row: req/s, p50/p99, the ratio to nginx in the same run, errors,
and the server's CPU per request (user+system time of its processes during
the run / requests). In-process: queries and CPU of a cold render of the seed
article (its cached entries emptied, as after its publish), and the cost of a
hit, beside a fixed pure-Python loop as the machine's speed reference.

    python -m masthead.bench site
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from masthead.bench import servers
from masthead.bench.common import (
    BENCH_DIR,
    PYTHON,
    ROOT,
    Server,
    WrkResult,
    app_env,
    fetch,
    machine_facts,
    start,
    wait_for_http,
    wrk,
)

SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
# Cached pages: as many connections as before (throughput ceiling). Rendered
# pages and signed-in readers: 16, so p99 shows service time rather than a
# queue of 64 requests in front of two workers.
CACHED_CONNECTIONS, READER_CONNECTIONS = 64, 16
SUBSCRIBER_RPS, SUBSCRIBER_P99_MS = 1000, 50.0
COLD_QUERIES, COLD_CPU_MS = 12, 15.0
SEED_SLUG = "kremlin-unveils-conditions-for-talks-with-us"


# --- Inside Django (run through `python -c` with the run's environment) -------


def build_content() -> str:
    """The demo magazine, its house ads and a subscriber; prints JSON with the article's path and the user id."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from masthead.members import services
    from masthead.newsroom.models import ArticlePage

    call_command("setup_demo", verbosity=0)
    call_command("setup_house_ads", verbosity=0)
    page = ArticlePage.objects.live().filter(slug=SEED_SLUG).first() or ArticlePage.objects.live().filter(access="public").first()
    if page is None:
        raise RuntimeError("the demo built no public article to measure")
    user = get_user_model().objects.create_user("bench-subscriber", "bench-subscriber@example.com")
    now = timezone.now()
    services.grant_access(
        user=user,
        kind="subscription",
        reference="sub_bench",
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=300),
    )
    return json.dumps({"path": str(page.get_url_parts()[2]), "user": user.pk})


def make_session(user_id: int) -> str:
    """A signed-in session for the user in this configuration's session store; prints the Cookie header value."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model

    user = get_user_model().objects.get(pk=user_id)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def in_process(path: str, cookie: str) -> str:
    """Cold render (queries, CPU) for an anonymous reader and the subscriber, and the CPU of a hit; JSON."""
    import io
    import statistics
    import sys
    import time

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from masthead.core import pagestore
    from masthead.wsgi import application, django_application

    def environ(target: str, with_cookie: str = "") -> dict[str, object]:
        env: dict[str, object] = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": target,
            "QUERY_STRING": "",
            "HTTP_HOST": "127.0.0.1",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
        }
        if with_cookie:
            env["HTTP_COOKIE"] = with_cookie
        return env

    def get(app: object, target: str, with_cookie: str = "") -> None:
        def start_response(status: str, headers: list[tuple[str, str]]) -> None:
            if not status.startswith("200"):
                raise RuntimeError(f"{target} answered {status}")

        b"".join(app(environ(target, with_cookie), start_response))  # type: ignore[operator]

    # A process that has served the site before: navigation, settings and the site are known.
    for warm in ("/", path):
        get(application, warm)
    results: dict[str, object] = {}
    for reader, with_cookie in (("anonymous", ""), ("subscriber", cookie)):
        get(application, path, with_cookie)
        cpu, queries = [], []
        for _ in range(15):
            pagestore.clear()
            with CaptureQueriesContext(connection) as captured:
                began = time.process_time()
                get(application, path, with_cookie)
                cpu.append((time.process_time() - began) * 1000)
            queries.append(len(captured))
        results[f"cold_{reader}"] = {"queries": max(queries), "cpu_ms_median": statistics.median(cpu), "cpu_ms_min": min(cpu)}
        get(application, path, with_cookie)
        n = 2000 if reader == "anonymous" else 500
        rounds = []
        for app in (application, django_application) if reader == "anonymous" else (application,):
            began = time.process_time()
            for _ in range(n):
                get(app, path, with_cookie)
            rounds.append((time.process_time() - began) / n * 1e6)
        results[f"hit_{reader}_us"] = rounds
    began = time.process_time()
    total = 0
    for i in range(2_000_000):
        total += i
    results["reference_loop_ms"] = (time.process_time() - began) * 1000
    return json.dumps(results)


# --- Outside: servers and wrk ----------------------------------------------------


@dataclass
class Row:
    server: str
    what: str
    connections: int
    result: WrkResult
    cpu_us: float | None
    note: str = ""


def _django(code: str, env: dict[str, str]) -> str:
    script = f"import django; django.setup(); from masthead.bench import site; print({code})"
    out = subprocess.run([PYTHON, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


def _cpu_ticks(server: Server) -> int:
    total = 0
    for pid in server.pids():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total


def _load(url: str, *, connections: int, busy: list[Server], cookie: str = "", warmup: int = 3) -> tuple[WrkResult, float | None]:
    """wrk against url; also the CPU the `busy` servers spent per request during the measured run."""
    # As every browser does: the cached page is then sent as stored (gzipped), never unzipped per request.
    headers = ["Accept-Encoding: gzip"] + ([f"Cookie: {cookie}"] if cookie else [])
    if warmup:
        args = [arg for header in headers for arg in ("-H", header)]
        subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{warmup}s", *args, url], capture_output=True, check=True, timeout=120
        )
    before = sum(_cpu_ticks(server) for server in busy)
    result = wrk(url, seconds=SECONDS, connections=connections, warmup=0, headers=headers)
    ticks = sum(_cpu_ticks(server) for server in busy) - before
    requests = result.requests_per_s * SECONDS
    return result, (ticks / os.sysconf("SC_CLK_TCK") / requests * 1e6 if requests else None)


EDGE = "Varnish 7 → granian, local memory"
EDGE_NO_LOG = "Varnish 7, request log off → granian"


def _granian(port: int) -> list[str]:
    return [
        PYTHON,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--workers",
        "2",
        "--blocking-threads",
        "1",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]


def _gunicorn(port: int) -> list[str]:
    return [
        PYTHON,
        "-m",
        "gunicorn",
        "--no-control-socket",
        "-w",
        "2",
        "-k",
        "gthread",
        "--threads",
        "4",
        "-b",
        f"127.0.0.1:{port}",
    ]


@contextmanager
def _app(name: str, cmd: list[str], env: dict[str, str], probe: str) -> Iterator[Server]:
    server = start(name, [*cmd, "masthead.wsgi:application"], env=env)
    try:
        wait_for_http(probe, timeout=120, proc=server.proc)
        yield server
    finally:
        server.stop()


def _seen(url: str, header: str, cookie: str = "", times: int = 8) -> str:
    import urllib.request

    seen = set()
    for _ in range(times):
        request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310 (loopback)
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            seen.add(response.headers.get(header, "absent"))
    return ", ".join(sorted(seen))


def _signed_in(url: str, cookie: str) -> bool:
    import urllib.request

    request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310 (loopback)
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        html = response.read().decode()
    return ">Account</a>" in html and "Sign in" not in html


def _measure_database(label: str, database_url: str | None, redis_url: str) -> tuple[list[Row], dict[str, object], str, int]:
    data = BENCH_DIR / f"data-{label.lower()}"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    port = servers.pick_port()
    # One key for every process of this run: a session made by one must be valid in the others.
    secret_key = secrets.token_urlsafe(50)

    def env(*, cache: bool = True, redis: bool = False) -> dict[str, str]:
        values = app_env(
            data, port=port, PAGE_CACHE_ENABLED="1" if cache else "0", NARRATION_ON_PUBLISH="0", SECRET_KEY=secret_key
        )
        if database_url:
            values["DATABASE_URL"] = database_url
        if redis:
            values["REDIS_URL"] = redis_url
        return values

    base = env()
    manage = [PYTHON, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=base, check=True)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=base, check=True)
    built = json.loads(_django("site.build_content()", base))
    path, user_id = built["path"], built["user"]
    cookie = _django(f"site.make_session({user_id})", base)
    redis_cookie = _django(f"site.make_session({user_id})", env(redis=True))
    app_url = f"http://127.0.0.1:{port}{path}"
    print(f"bench site [{label}]: measuring {path}", flush=True)

    rows: list[Row] = []
    with _app("app", _granian(port), base, app_url) as app:
        html, _ = fetch(app_url)
        nginx, nginx_port = servers.nginx(html, path)
        try:
            result, cpu = _load(f"http://127.0.0.1:{nginx_port}{path}", connections=CACHED_CONNECTIONS, busy=[nginx])
            rows.append(Row("nginx, 2 workers", "same HTML, static file", CACHED_CONNECTIONS, result, cpu))
        finally:
            nginx.stop()
        note = "X-Cache: " + _seen(app_url, "X-Cache")
        result, cpu = _load(app_url, connections=CACHED_CONNECTIONS, busy=[app])
        rows.append(Row("granian, 2 workers, local memory", "anonymous, cached", CACHED_CONNECTIONS, result, cpu, note))
        note = "signed in: " + ("yes" if _signed_in(app_url, cookie) else "NO")
        result, cpu = _load(app_url, connections=READER_CONNECTIONS, busy=[app], cookie=cookie)
        rows.append(Row("granian, 2 workers, local memory", "subscriber, signed in", READER_CONNECTIONS, result, cpu, note))
        for server, request_log in ((EDGE, True), (EDGE_NO_LOG, False)):
            edge, edge_port = servers.varnish(port, request_log=request_log)
            try:
                edge_url = f"http://127.0.0.1:{edge_port}{path}"
                note = "X-Edge: " + _seen(edge_url, "X-Edge")
                result, cpu = _load(edge_url, connections=CACHED_CONNECTIONS, busy=[edge, app])
                rows.append(Row(server, "anonymous, cached at the edge", CACHED_CONNECTIONS, result, cpu, note))
            finally:
                edge.stop()
    with _app("app-redis", _granian(port), env(redis=True), app_url) as app:
        note = "X-Cache: " + _seen(app_url, "X-Cache")
        result, cpu = _load(app_url, connections=CACHED_CONNECTIONS, busy=[app])
        rows.append(Row("granian, 2 workers, Redis", "anonymous, cached", CACHED_CONNECTIONS, result, cpu, note))
        note = "signed in: " + ("yes" if _signed_in(app_url, redis_cookie) else "NO")
        result, cpu = _load(app_url, connections=READER_CONNECTIONS, busy=[app], cookie=redis_cookie)
        rows.append(Row("granian, 2 workers, Redis", "subscriber, signed in", READER_CONNECTIONS, result, cpu, note))
    if database_url is None:
        with _app("app-gunicorn", _gunicorn(port), base, app_url) as app:
            result, cpu = _load(app_url, connections=CACHED_CONNECTIONS, busy=[app])
            rows.append(Row("gunicorn gthread 2×4, local memory", "anonymous, cached", CACHED_CONNECTIONS, result, cpu))
            result, cpu = _load(app_url, connections=READER_CONNECTIONS, busy=[app], cookie=cookie)
            rows.append(Row("gunicorn gthread 2×4, local memory", "subscriber, signed in", READER_CONNECTIONS, result, cpu))
    with _app("app-uncached", _granian(port), env(cache=False), app_url) as app:
        for _ in range(10):  # templates and connections warm, one request at a time
            fetch(app_url)
        result, cpu = _load(app_url, connections=READER_CONNECTIONS, busy=[app], warmup=0)
        rows.append(Row("granian, 2 workers", "anonymous, page cache off", READER_CONNECTIONS, result, cpu))
        result, cpu = _load(app_url, connections=READER_CONNECTIONS, busy=[app], cookie=cookie, warmup=0)
        rows.append(Row("granian, 2 workers", "subscriber, page cache off", READER_CONNECTIONS, result, cpu))
    measured = json.loads(_django(f"site.in_process({path!r}, {cookie!r})", base))
    return rows, measured, path, len(html)


@contextmanager
def _database(label: str) -> Iterator[str | None]:
    if label == "SQLite":
        yield None
        return
    server, url, data = servers.postgres()
    try:
        yield url
    finally:
        server.stop()
        shutil.rmtree(data, ignore_errors=True)


def run() -> str:
    facts = machine_facts()
    parts = []
    redis, redis_url = servers.redis()
    try:
        for index, label in enumerate(("SQLite", "PostgreSQL")):
            with _database(label) as database_url:
                # A Redis database of its own per section: nothing cached by one answers the other.
                rows, measured, path, size = _measure_database(label, database_url, redis_url.rsplit("/", 1)[0] + f"/{index}")
            parts.append(_markdown(label, rows, measured, path=path, size=size))
    finally:
        redis.stop()
    return "\n\n".join(
        [
            "## Site: the article page for every reader",
            facts,
            f"`wrk -t2 -d{SECONDS}s --timeout 10s --latency -H 'Accept-Encoding: gzip'` on loopback after a warm-up (3 s "
            "of wrk, or 10 sequential requests for the uncached rows); every row is asked for gzip, as browsers ask, and "
            "nginx serves the same HTML gzipped ahead of time (`gzip_static`), as the page cache and Varnish store it. "
            "App: DEBUG=0, collected static, `masthead.wsgi:application`, the demo "
            "magazine with its house ads. *Server CPU* is the user+system time of the serving processes (app workers, "
            "plus Varnish for the edge rows) during the run divided by the requests served: what each request costs the "
            "machine, unaffected by how many other processes share it. The nginx reference keeps no access log; the "
            "second Varnish row makes the same choice (its shared-memory request log masked with `vsl_mask`), the first "
            "runs as deployed.",
            *parts,
            "wrk, nginx, Varnish and the app share the same 2 cores with whatever else runs on the machine (see the load "
            "average above), so req/s are ceilings of this loopback setup and a busy machine lowers every row alike; the "
            "ratio to nginx and the CPU per request carry over.",
        ]
    )


def _rps(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _markdown(label: str, rows: list[Row], measured: dict[str, object], *, path: str, size: int) -> str:
    nginx_rps = rows[0].result.requests_per_s
    db = "SQLite (the embedded default)" if label == "SQLite" else "PostgreSQL 15 (a throwaway cluster on 127.0.0.1)"
    lines = [
        f"### {label}",
        "",
        f"{db}; `{path}` ({size:,} bytes of HTML for an anonymous reader).",
        "",
        "| server | reader | conns | req/s | p50 | p99 | vs nginx | errors | server CPU / request | note |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        r = row.result
        cpu = f"{row.cpu_us:,.0f} µs" if row.cpu_us else "–"
        lines.append(
            f"| {row.server} | {row.what} | {row.connections} | {_rps(r.requests_per_s)} | {r.p50_ms:.2f} ms | {r.p99_ms:.2f} ms "
            f"| {r.requests_per_s / nginx_rps:.1%} | {r.errors} | {cpu} | {row.note} |"
        )

    def find(server: str, what: str) -> Row | None:
        return next((row for row in rows if row.server.startswith(server) and row.what == what), None)

    local = find("granian, 2 workers, local memory", "anonymous, cached")
    redis = find("granian, 2 workers, Redis", "anonymous, cached")
    edges = [(row, "with its request log, as deployed" if row.server == EDGE else "without, as the nginx row runs")
             for row in rows if row.server in (EDGE, EDGE_NO_LOG)]  # fmt: skip
    lines.append("")
    subscriber_rows = [
        ("local memory", find("granian, 2 workers, local memory", "subscriber, signed in")),
        ("Redis", find("granian, 2 workers, Redis", "subscriber, signed in")),
    ]
    for name, found in subscriber_rows:
        if found:
            r = found.result
            met = r.requests_per_s >= SUBSCRIBER_RPS and r.p99_ms < SUBSCRIBER_P99_MS
            lines.append(
                f"- Subscriber, signed in ({name}): {_rps(r.requests_per_s)} req/s, p99 {r.p99_ms:.1f} ms — "
                f"target ≥{SUBSCRIBER_RPS:,} req/s with p99 < {SUBSCRIBER_P99_MS:.0f} ms {'met' if met else 'NOT met'}."
            )
    if local and redis:
        share = redis.result.requests_per_s / local.result.requests_per_s
        verdict = "met" if share >= 0.5 else "NOT met"
        lines.append(f"- Redis-configured cached article: {share:.0%} of the local-memory figure (target ≥ 50%: {verdict}).")
    for edge, how in edges:
        share = edge.result.requests_per_s / nginx_rps
        verdict = "met" if share >= 0.9 else "NOT met"
        lines.append(f"- Through Varnish ({how}): {share:.0%} of nginx static (target ≥ 90%: {verdict}).")
    for reader in ("anonymous", "subscriber"):
        cold = measured[f"cold_{reader}"]
        assert isinstance(cold, dict)
        met = cold["queries"] <= COLD_QUERIES and cold["cpu_ms_median"] <= COLD_CPU_MS
        lines.append(
            f"- Cold render of the seed article, {reader} (its cached entries emptied as after its publish; the site's "
            f"navigation and settings known to the process; 15 renders): {cold['queries']} queries, CPU median "
            f"{cold['cpu_ms_median']:.1f} ms, min {cold['cpu_ms_min']:.1f} ms — target ≤ {COLD_QUERIES} queries and ≤ "
            f"{COLD_CPU_MS:.0f} ms: {'met' if met else 'NOT met'}."
        )
    anonymous_hit = measured["hit_anonymous_us"]
    subscriber_hit = measured["hit_subscriber_us"]
    assert isinstance(anonymous_hit, list) and isinstance(subscriber_hit, list)
    lines.append(
        f"- In-process CPU per request (no server, no sockets): anonymous hit {anonymous_hit[0]:.0f} µs through the WSGI door, "
        f"{anonymous_hit[1]:.0f} µs through Django's middleware; subscriber from the shell {subscriber_hit[0]:.0f} µs. "
        f"Machine speed reference in the same process: a 2,000,000-step Python loop took {measured['reference_loop_ms']:.0f} ms."
    )
    return "\n".join(lines)
