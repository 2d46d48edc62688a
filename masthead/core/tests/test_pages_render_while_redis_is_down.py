"""Redis is a cache: when it is unreachable, pages render (slower, uncached), signed-in readers stay signed in
(sessions are cached_db: read from the database when Redis does not answer), and what truly needs Redis
(throttled sign-in, one-time links) answers 503 "try again" instead of a 500."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from masthead.core import pagestore
from masthead.testing.fixtures import SECRET_MARKER

ROOT = Path(__file__).resolve().parents[3]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens once the socket is closed


def _production_redis_options() -> dict[str, Any]:
    found = subprocess.run(  # noqa: S603 - this interpreter, our settings
        [sys.executable, "-c", "import json, masthead.settings as s; print(json.dumps(s.CACHES['default']['OPTIONS']))"],
        cwd=ROOT,
        env={**os.environ, "REDIS_URL": "redis://127.0.0.1:1/0", "DEBUG": "1"},
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(found.stdout))


@pytest.fixture
def redis_down(settings: Any, magazine: Any) -> Any:
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            # What settings.py gives the Redis cache (it is only defined there when REDIS_URL is set).
            "OPTIONS": _production_redis_options(),
        },
        "renditions": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    pagestore.clear()
    return magazine


def test_an_anonymous_reader_gets_the_page_uncached(redis_down: Any) -> None:
    client = Client(raise_request_exception=False)
    for _ in range(2):
        page = client.get(redis_down.public_article.url)
        assert page.status_code == 200
        assert "The second public paragraph." in page.content.decode()
    assert page["X-Cache"] != "HIT"


def test_a_signed_in_subscriber_stays_signed_in_and_reads_in_full(redis_down: Any, subscriber: Any) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(subscriber)  # the session row is in the database; writing it to Redis fails quietly
    for _ in range(2):
        page = client.get(redis_down.subscriber_article.url)
        assert page.status_code == 200
        assert SECRET_MARKER in page.content.decode()
        assert ">Account</a>" in page.content.decode()


def test_signing_in_says_try_again_rather_than_failing(redis_down: Any, subscriber: Any) -> None:
    client = Client(raise_request_exception=False)
    form = client.get("/account/signin/")
    assert form.status_code == 200
    answer = client.post("/account/signin/", {"email": subscriber.email, "password": "whatever-it-is-1"})
    assert answer.status_code == 503
    assert answer["Retry-After"]
    assert "try again" in answer.content.decode().lower()
