"""Throttles, the meter and one-time links hold across two real web worker processes.

Two granian servers (one worker each, as `scripts/serve.sh` runs them) on the
test database, behind a "proxy" at 127.0.0.1 that TRUSTED_PROXIES names, so
each simulated reader has its own address in X-Forwarded-For. Requests
alternate between the two servers: a count kept in a worker's memory would let
each server see only half of them. Once with the counters in the database (the
embedded default), once in Redis (REDIS_URL).
"""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings as django_settings

from masthead.bench.common import port_is_free, wait_for_http
from masthead.members import throttle, tokens
from masthead.testing import builders
from masthead.testing.fixtures import SECRET_MARKER

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    import random

    for _ in range(50):
        port = random.randint(20000, 29999)
        if port_is_free(port):
            return port
    raise RuntimeError("no free port in 20000-29999")


def _database_env() -> dict[str, str]:
    db = django_settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return {"SQLITE_PATH": str(db["NAME"])}
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return {"DATABASE_URL": f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}


@pytest.fixture(params=["database", "redis"])
def servers(request: Any, magazine: Any, tmp_path: Path) -> Iterator[list[str]]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SQLITE_PATH"}}
    env.update(
        DJANGO_SETTINGS_MODULE="masthead.testing.settings",
        MASTHEAD_VAR_DIR=str(tmp_path / "var"),
        TRUSTED_PROXIES="127.0.0.1",
        LOG_LEVEL="ERROR",
        PYTHONDONTWRITEBYTECODE="1",
        **_database_env(),
    )
    if request.param == "redis":
        env["REDIS_URL"] = request.getfixturevalue("redis_server")
    procs, urls = [], []
    try:
        for n in range(2):
            port = _free_port()
            log = (tmp_path / f"server{n}.log").open("wb")
            procs.append(
                subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
                    [sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
                     "--workers", "1", "--blocking-threads", "1", "masthead.wsgi:application"],
                    cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                )
            )  # fmt: skip
            urls.append(f"http://127.0.0.1:{port}")
        for url, proc in zip(urls, procs, strict=True):
            wait_for_http(url + "/account/signin/", timeout=120, proc=proc)
        yield urls
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


class Reader:
    """A browser at one address: keeps its cookies, reaches us through the proxy at 127.0.0.1."""

    def __init__(self, address: str, user_agent: str = "Reader/1.0") -> None:
        self.address, self.user_agent = address, user_agent
        self.cookies: dict[str, str] = {}

    def request(self, base: str, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        parts = urlsplit(base)
        headers = {"X-Forwarded-For": self.address, "User-Agent": self.user_agent, "Host": "localhost"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode({**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
            for header in response.headers.get_all("Set-Cookie") or []:
                jar: SimpleCookie = SimpleCookie()
                jar.load(header)
                for name, morsel in jar.items():
                    self.cookies[name] = morsel.value
            return response.status, text
        finally:
            connection.close()

    def sign_in(self, base: str, email: str, password: str) -> int:
        if "csrftoken" not in self.cookies:
            self.request(base, "GET", "/account/signin/")
        return self.request(base, "POST", "/account/signin/", {"email": email, "password": password})[0]


def test_counts_are_shared_by_both_workers(servers: list[str], member: Any, magazine: Any, set_meter: Any) -> None:
    a, b = servers
    limit = throttle.PASSWORD.per_account_and_client

    # Ten wrong passwords from one address, spread over both workers: refused after exactly the limit.
    guesser = Reader("203.0.113.66")
    answers = [guesser.sign_in((a, b)[n % 2], "member@example.com", "wrong-guess") for n in range(2 * limit)]
    assert answers == [200] * limit + [429] * limit

    # The owner, from another address, is not locked out.
    assert Reader("198.51.100.20").sign_in(b, "member@example.com", "a-long-password-1") == 302

    # A crowd behind one NAT that the trusted proxy tells apart: 25 people, one slip each, nobody blocked ...
    crowd = [Reader(f"192.0.2.{n}").sign_in((a, b)[n % 2], f"person{n}@example.com", "slip") for n in range(1, 26)]
    assert crowd == [200] * 25
    # ... while one address (the proxy's own, no header) gets the per-network limit, counted over both workers.
    same_address = Reader("")
    per_client = throttle.PASSWORD.per_client
    spray = [same_address.sign_in((a, b)[n % 2], f"spray{n}@example.com", "guess") for n in range(per_client + 2)]
    assert spray == [200] * per_client + [429] * 2

    # The meter: two free articles, read on alternate workers; the third is the teaser.
    set_meter(2)
    paid = [magazine.subscriber_article] + [
        builders.make_article(
            magazine.sections["Finance"],
            f"Paid story {n}",
            authors=[magazine.author],
            paragraphs=["Open paragraph.", f"Closed paragraph {SECRET_MARKER}."],
            access="subscribers",
            preview_after=1,
        )
        for n in range(2)
    ]
    reader = Reader("198.51.100.30")
    reads = [reader.request((a, b)[n % 2], "GET", article.url) for n, article in enumerate(paid)]
    assert [status for status, _ in reads] == [200, 200, 200]
    assert [SECRET_MARKER in html for _, html in reads] == [True, True, False]


def test_one_link_posted_to_both_workers_at_once_signs_in_once(servers: list[str], member: Any) -> None:
    path = f"/account/link/{tokens.make_sign_in_token('member@example.com')}/"
    barrier = threading.Barrier(10, timeout=60)
    statuses: list[int] = []
    lock = threading.Lock()

    def post(base: str) -> None:
        reader = Reader("198.51.100.40")
        reader.request(base, "GET", path)  # the confirmation page sets the CSRF cookie
        barrier.wait()
        status, _ = reader.request(base, "POST", path, {})
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=post, args=(servers[n % 2],)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert sorted(statuses) == [302] + [400] * 9
