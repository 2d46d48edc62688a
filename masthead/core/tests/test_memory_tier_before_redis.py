"""With Redis (several processes, several app servers), each process keeps recent pages in
memory and checks them against the tag clock, which Redis pushes to every process when a
purge moves it (masthead/core/clock_watch.py), instead of fetching the page."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from masthead.core import cachetags, pagestore


@pytest.fixture
def redis_site(redis_server: str, settings: Any, magazine: Any) -> Any:
    settings.CACHES = {
        "default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": redis_server, "KEY_PREFIX": "masthead"},
        "renditions": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    }
    cache.clear()
    pagestore.clear()
    return magazine


@pytest.fixture
def redis_commands(monkeypatch: Any) -> list[str]:
    """The names of the Redis commands this process sends from now on."""
    from django_redis import get_redis_connection

    sent: list[str] = []
    connection = get_redis_connection("default")
    real = connection.execute_command

    def counting(*args: Any, **kwargs: Any) -> Any:
        sent.append(str(args[0]))
        return real(*args, **kwargs)

    monkeypatch.setattr(connection, "execute_command", counting)
    return sent


def wait_for(condition: Any, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return bool(condition())


def watch() -> Any:
    return cachetags.store().watch  # type: ignore[attr-defined]


def test_a_hit_from_memory_costs_no_redis_command_while_the_clock_is_watched(redis_site, redis_commands):
    client = Client()
    url = redis_site.public_article.url
    client.get(url)
    assert client.get(url)["X-Cache"] == "HIT"
    assert wait_for(lambda: watch().current() is not None)
    redis_commands.clear()
    assert client.get(url)["X-Cache"] == "HIT"
    assert redis_commands == []


def test_without_the_watch_a_hit_costs_one_small_redis_read(redis_site, redis_commands):
    client = Client()
    url = redis_site.public_article.url
    client.get(url)
    watch().stop()  # as while the subscription is broken
    redis_commands.clear()
    assert client.get(url)["X-Cache"] == "HIT"
    assert redis_commands == ["GET"]


def test_a_purge_in_another_process_reaches_this_one_through_redis(redis_site, redis_server):
    client = Client()
    url = redis_site.public_article.url
    client.get(url)
    assert client.get(url)["X-Cache"] == "HIT"
    assert wait_for(lambda: watch().current() is not None)
    # Another app server publishes: its own process, its own connection to Redis.
    code = (
        "import django; django.setup(); from masthead.core import cachetags; "
        f"cachetags.CacheTagStore().purge([cachetags.page_tag({redis_site.public_article.pk})])"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "masthead.settings", "REDIS_URL": redis_server, "DEBUG": "1"}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=settings_root(), timeout=120)
    assert wait_for(lambda: client.get(url)["X-Cache"] == "MISS", seconds=2.0)


def test_a_broken_subscription_falls_back_to_reading_redis_and_comes_back(redis_site):
    from django_redis import get_redis_connection

    client = Client()
    url = redis_site.public_article.url
    client.get(url)
    assert wait_for(lambda: watch().current() is not None)
    get_redis_connection("default").client_kill_filter(_type="pubsub")
    assert wait_for(lambda: watch().current() is None, seconds=2.0)
    # Meanwhile a purge is seen at once: the clock is read from Redis.
    cachetags.CacheTagStore().purge([cachetags.page_tag(redis_site.public_article.pk)])
    assert client.get(url)["X-Cache"] == "MISS"
    assert wait_for(lambda: watch().current() is not None)
    assert client.get(url)["X-Cache"] == "HIT"


def test_a_page_stored_by_one_process_serves_the_others(redis_site):
    client = Client()
    url = redis_site.public_article.url
    client.get(url)
    pagestore.clear()  # another process: nothing in its memory
    response = client.get(url)
    assert response["X-Cache"] == "HIT"
    assert "The second public paragraph." in response.content.decode()


def test_a_purge_by_another_store_reaches_this_processs_memory(redis_site):
    client = Client()
    url = redis_site.public_article.url
    client.get(url)
    assert client.get(url)["X-Cache"] == "HIT"
    # Another app server publishes: it writes new tag versions to Redis, moves the clock and says so.
    cachetags.CacheTagStore().purge([cachetags.page_tag(redis_site.public_article.pk)])
    assert wait_for(lambda: client.get(url)["X-Cache"] == "MISS", seconds=2.0)
    assert client.get(redis_site.subscriber_article.url)["X-Cache"] == "MISS"  # never stored yet
    assert client.get(redis_site.subscriber_article.url)["X-Cache"] == "HIT"


def test_signed_in_readers_get_shells_through_redis_too(redis_site, client_for):
    from masthead.testing.fixtures import SECRET_MARKER

    url = redis_site.subscriber_article.url
    assert SECRET_MARKER in client_for("subscriber").get(url).content.decode()
    pagestore.clear()  # another process finds the subscriber's shell in Redis...
    assert cache.keys("pagecache:shell:deflated:*")  # type: ignore[attr-defined]
    # ...and gives the anonymous reader the teaser shell, never the full one.
    assert SECRET_MARKER not in Client().get(url).content.decode()
    assert SECRET_MARKER in client_for("subscriber").get(url).content.decode()


def settings_root() -> Path:
    return Path(__file__).resolve().parents[3]
