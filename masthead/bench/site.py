"""Site benchmark: an anonymous reader's article page, beside nginx.

One run builds a throwaway magazine in var/bench/data (the demo command if the
project has one, else the test builders with the seed article's text), starts
the app with production settings (DEBUG=0, collected static, SQLite) under
granian and gunicorn in turn, saves the article's HTML for nginx to serve as a
static file, and loads each with wrk on loopback. Reported: req/s, p50/p99
latency, the ratio to nginx, and peak RSS of the server processes.

    python -m masthead.bench site
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass

from masthead.bench.common import (
    BENCH_DIR,
    PYTHON,
    ROOT,
    Server,
    WrkResult,
    app_env,
    fetch,
    machine_facts,
    port_is_free,
    start,
    wait_for_http,
    wrk,
)

NGINX_PORT = 8121
APP_PORT = 8122
# Not 8125: the page-cache tests start their Redis there, and a test run
# elsewhere on the machine must not answer for the benchmark's Redis.
REDIS_PORT = 8128
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = 64
TARGET_RPS, TARGET_P99_MS = 5000, 20.0
DATA = BENCH_DIR / "data"
SEED = ROOT / "masthead" / "newsroom" / "tests" / "data" / "kremlin-talks.txt"
SEED_TITLE = "Kremlin Unveils Conditions for Talks With U.S."


# --- Content ------------------------------------------------------------------


def build_content() -> str:
    """Inside Django: fill the empty database, return the benchmark article's path."""
    from datetime import date, timedelta

    from django.core.management import call_command, get_commands

    from masthead.newsroom.models import ArticlePage

    if "setup_demo" in get_commands():
        call_command("setup_demo", verbosity=0)
    else:
        from masthead.testing import builders

        home = builders.ensure_home()
        sections = {title: builders.ensure_section(home, title) for title in builders.SECTIONS}
        author = builders.ensure_author(home, "Angeline Tan", role="Foreign correspondent", bio="<p>Covers Russia.</p>")
        # The seed article's real paragraphs, so the page weighs what a real one does.
        lines = [line.strip() for line in SEED.read_text().splitlines()]
        paragraphs = [line for line in lines if len(line) > 80 and not line.startswith("Written by")][:30]
        photo = builders.make_image("Dmitry Peskov")
        articles = []
        for i in range(12):
            section = sections[builders.SECTIONS[i % len(builders.SECTIONS)]]
            articles.append(
                builders.make_article(
                    section,
                    SEED_TITLE if i == 0 else f"{SEED_TITLE.split(' With')[0]}, part {i + 1}",
                    authors=[author],
                    dek="Russia remains open to negotiations, but only on all issues at once.",
                    paragraphs=paragraphs if i == 0 else paragraphs[i % 5 :][:8],
                    on=date(2024, 3, 28) - timedelta(days=i),
                    hero_image=photo,
                    hero_caption="Dmitry Peskov",
                    hero_credit="AP Images",
                    access="public" if i % 3 else "subscribers",
                    preview_after=None if i % 3 else 2,
                )
            )
        # The benchmark article is the public seed one.
        articles[0].access = "public"
        articles[0].save_revision().publish()
        builders.make_issue(
            builders.ensure_issue_index(home), volume=40, number=6, cover_date=date(2024, 3, 25), articles=articles[:6]
        )
    page = ArticlePage.objects.live().filter(title=SEED_TITLE, access="public").first()
    page = page or ArticlePage.objects.live().filter(access="public").first()
    if page is None:
        raise RuntimeError("the demo built no public article to measure")
    return str(page.get_url_parts()[2])


def _env(*, cache: bool, redis_url: str | None = None) -> dict[str, str]:
    env = app_env(
        DATA,
        port=APP_PORT,
        PAGE_CACHE_ENABLED="1" if cache else "0",
        # Narration jobs for the demo's articles are not what this section measures.
        NARRATION_ON_PUBLISH="0",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def _prepare() -> str:
    shutil.rmtree(DATA, ignore_errors=True)
    DATA.mkdir(parents=True)
    env = _env(cache=True)
    manage = [PYTHON, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    code = "import django; django.setup(); from masthead.bench.site import build_content; print(build_content())"
    out = subprocess.run([PYTHON, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


# --- Servers ------------------------------------------------------------------


@dataclass(frozen=True)
class Setup:
    label: str
    cmd: list[str]
    cache: bool
    redis: bool = False


def _setups(app: str = "masthead.wsgi:application") -> list[Setup]:
    bind = ["--host", "127.0.0.1", "--port", str(APP_PORT)]
    granian = [PYTHON, "-m", "granian", "--interface", "wsgi", "--workers", "2", "--blocking-threads", "1", *bind]
    gunicorn = [PYTHON, "-m", "gunicorn", "--no-control-socket", "-w", "2", "-b", f"127.0.0.1:{APP_PORT}"]
    gthread = [*gunicorn, "-k", "gthread", "--threads", "4"]
    sync = [*gunicorn, "-k", "sync"]
    setups = [
        Setup("granian, 2 workers", [*granian, app], cache=True),
        Setup("granian, cache in middleware only (no WSGI door)", [*granian, "masthead.wsgi:django_application"], cache=True),
        Setup("gunicorn gthread, 2×4 threads", [*gthread, app], cache=True),
        Setup("gunicorn sync, 2 workers", [*sync, app], cache=True),
    ]
    if shutil.which("redis-server"):
        setups.append(Setup("granian, 2 workers, Redis cache", [*granian, app], cache=True, redis=True))
    setups += [
        Setup("granian, 2 workers", [*granian, app], cache=False),
        Setup("gunicorn gthread, 2×4 threads", [*gthread, app], cache=False),
        Setup("gunicorn sync, 2 workers", [*sync, app], cache=False),
    ]
    return setups


def _nginx(html: bytes, path: str) -> Server:
    conf_dir = BENCH_DIR / "nginx"
    shutil.rmtree(conf_dir, ignore_errors=True)
    target = conf_dir / "html" / path.strip("/") / "index.html"
    target.parent.mkdir(parents=True)
    target.write_bytes(html)
    user = "user root;" if os.geteuid() == 0 else ""  # workers must read a root-owned checkout
    (conf_dir / "nginx.conf").write_text(
        f"""{user}
worker_processes 2;
daemon off;
pid {conf_dir}/nginx.pid;
error_log {conf_dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  types {{ text/html html; }}
  default_type text/html;
  client_body_temp_path {conf_dir}/tmp;
  proxy_temp_path {conf_dir}/tmp;
  fastcgi_temp_path {conf_dir}/tmp;
  uwsgi_temp_path {conf_dir}/tmp;
  scgi_temp_path {conf_dir}/tmp;
  server {{
    listen 127.0.0.1:{NGINX_PORT};
    root {conf_dir}/html;
    location / {{ try_files $uri $uri/index.html =404; }}
  }}
}}
"""
    )
    (conf_dir / "tmp").mkdir()
    cmd = ["nginx", "-p", str(conf_dir), "-c", str(conf_dir / "nginx.conf"), "-e", str(conf_dir / "error.log")]
    server = start("nginx", cmd, env=dict(os.environ))
    wait_for_http(f"http://127.0.0.1:{NGINX_PORT}{path}", timeout=20, proc=server.proc)
    return server


def _redis() -> Server:
    workdir = BENCH_DIR / "redis"
    workdir.mkdir(parents=True, exist_ok=True)
    cmd = ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    server = start("redis", [*cmd, "--dir", str(workdir)], env=dict(os.environ))
    import socket
    import time

    for _ in range(100):
        if server.proc.poll() is not None:
            break  # exited: e.g. the port was taken after the check in run()
        try:
            socket.create_connection(("127.0.0.1", REDIS_PORT), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"redis-server did not start on port {REDIS_PORT}; see {server.log}")


@dataclass
class Row:
    server: str
    what: str
    result: WrkResult
    rss: tuple[float, float] | None
    note: str = ""


def _measure(setup: Setup, path: str, redis_url: str | None) -> Row:
    url = f"http://127.0.0.1:{APP_PORT}{path}"
    server = start("app", setup.cmd, env=_env(cache=setup.cache, redis_url=redis_url if setup.redis else None))
    try:
        wait_for_http(url, timeout=90, proc=server.proc)
        note = ""
        if setup.cache:
            # Proof the run measured hits, not a cache that silently never stores
            # (each worker has its own local-memory cache, so ask a few times).
            seen = {fetch(url)[1].get("x-cache", "absent") for _ in range(8)}
            note = "X-Cache: " + ", ".join(sorted(seen))
        else:
            # Warm templates and connections one request at a time: a wrk
            # warm-up would leave 64 slow renders queued in the server, and the
            # measured run would start by waiting for them.
            for _ in range(10):
                fetch(url)
        result = wrk(url, seconds=SECONDS, connections=CONNECTIONS, warmup=3 if setup.cache else 0)
        rss = server.peak_rss_mb()
    finally:
        server.stop()
    what = "article, page cache on" if setup.cache else "article, page cache off"
    return Row(setup.label, what, result, rss, note)


# --- The section ----------------------------------------------------------------


def hit_cost_us(path: str, n: int = 20_000) -> tuple[float, float]:
    """Inside Django: microseconds per cache hit through the WSGI door and through Django's handler.

    No server, no sockets: what a hit costs the worker itself, which the wrk
    rows above include together with the server and the load generator.
    """
    import io
    import sys
    import time

    from masthead.wsgi import application, django_application

    def environ() -> dict[str, object]:
        return {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "HTTP_HOST": f"127.0.0.1:{APP_PORT}",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": str(APP_PORT),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
        }

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        if not status.startswith("200"):
            raise RuntimeError(f"{path} answered {status}")

    results = []
    for app in (application, django_application):
        for _ in range(3):  # the first fills the cache
            b"".join(app(environ(), start_response))  # type: ignore[arg-type]  # no write() callable needed
        began = time.perf_counter()
        for _ in range(n):
            b"".join(app(environ(), start_response))  # type: ignore[arg-type]  # no write() callable needed
        results.append((time.perf_counter() - began) / n * 1e6)
    return results[0], results[1]


def _hit_cost(path: str) -> tuple[float, float]:
    code = f"import django; django.setup(); from masthead.bench.site import hit_cost_us; print(*hit_cost_us({path!r}))"
    out = subprocess.run([PYTHON, "-c", code], cwd=ROOT, env=_env(cache=True), check=True, capture_output=True, text=True)
    door, handler = out.stdout.split()[-2:]
    return float(door), float(handler)


def run() -> str:
    for port in (NGINX_PORT, APP_PORT, REDIS_PORT):
        if not port_is_free(port):
            needs = f"{NGINX_PORT}, {APP_PORT} and {REDIS_PORT}"
            raise RuntimeError(f"port {port} on 127.0.0.1 is taken; the site benchmark needs {needs}")
    path = _prepare()
    print(f"bench site: measuring {path}", flush=True)

    # The HTML nginx serves is exactly what an anonymous reader gets from the app.
    probe = start("app", _setups()[0].cmd, env=_env(cache=False))
    try:
        wait_for_http(f"http://127.0.0.1:{APP_PORT}{path}", timeout=90, proc=probe.proc)
        html, _ = fetch(f"http://127.0.0.1:{APP_PORT}{path}")
    finally:
        probe.stop()

    rows: list[Row] = []
    nginx = _nginx(html, path)
    try:
        result = wrk(f"http://127.0.0.1:{NGINX_PORT}{path}", seconds=SECONDS, connections=CONNECTIONS)
        rows.append(Row("nginx 2 workers", "same HTML, static file", result, nginx.peak_rss_mb()))
    finally:
        nginx.stop()
    nginx_rps = rows[0].result.requests_per_s

    redis = _redis() if any(s.redis for s in _setups()) else None
    try:
        for setup in _setups():
            print(f"bench site: {setup.label}, cache {'on' if setup.cache else 'off'}", flush=True)
            rows.append(_measure(setup, path, f"redis://127.0.0.1:{REDIS_PORT}/0"))
    finally:
        if redis:
            redis.stop()

    door_us, handler_us = _hit_cost(path)
    return _markdown(rows, path=path, size=len(html), nginx_rps=nginx_rps, hit_cost=(door_us, handler_us))


def _rps(value: float) -> str:
    # A slow uncached run can be a few requests a second: keep a decimal there.
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _markdown(rows: list[Row], *, path: str, size: int, nginx_rps: float, hit_cost: tuple[float, float]) -> str:
    lines = [
        "## Site: anonymous article page",
        "",
        machine_facts(),
        "",
        f"`wrk -t2 -c{CONNECTIONS} -d{SECONDS}s --timeout 10s --latency` on loopback after a warm-up (3 s of wrk when cached, "
        f"10 sequential requests when not), against `{path}` "
        f"({size:,} bytes of HTML). App: DEBUG=0, SQLite, collected static, local-memory cache unless noted. "
        "Peak RSS is each server process's VmHWM: all processes together / the largest one.",
        "",
        "| server | what | req/s | p50 | p99 | vs nginx | errors | peak RSS MB | note |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        r = row.result
        rss = f"{row.rss[0]:.0f} / {row.rss[1]:.0f}" if row.rss else "–"
        lines.append(
            f"| {row.server} | {row.what} | {_rps(r.requests_per_s)} | {r.p50_ms:.2f} ms | {r.p99_ms:.2f} ms "
            f"| {r.requests_per_s / nginx_rps:.1%} | {r.errors} | {rss} | {row.note} |"
        )
    cached = [row for row in rows if row.what == "article, page cache on"]
    if cached:
        best = max(cached, key=lambda row: row.result.requests_per_s)
        met = best.result.requests_per_s >= TARGET_RPS and best.result.p99_ms < TARGET_P99_MS
        lines += [
            "",
            f"Target (≥{TARGET_RPS:,} req/s and p99 < {TARGET_P99_MS:.0f} ms, cached anonymous article, 2 cores): "
            f"{'met' if met else 'NOT met'} by {best.server} at {best.result.requests_per_s:,.0f} req/s, "
            f"p99 {best.result.p99_ms:.2f} ms ({best.result.requests_per_s / nginx_rps:.1%} of nginx).",
        ]
    lines += [
        "",
        f"In-process cost of one cache hit (no server, no sockets; 20,000 hits, one core): {hit_cost[0]:.0f} µs through "
        f"the WSGI door (`masthead.wsgi:application`), {hit_cost[1]:.0f} µs through Django's handler and middleware.",
        "",
        "wrk, nginx and the app share the same cores, so these are ceilings of the whole loopback setup, "
        "and a busy machine (see the load average above) lowers every row alike.",
    ]
    return "\n".join(lines)
