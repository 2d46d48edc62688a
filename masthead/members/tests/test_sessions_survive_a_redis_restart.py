"""With REDIS_URL, sessions are read from Redis but kept in the database: a Redis restart signs nobody out."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.test import Client
from django_redis import get_redis_connection

ROOT = Path(__file__).resolve().parents[3]


def engine_for(redis_url: str, tmp_path: Path) -> str:
    """The session engine settings.py picks for this REDIS_URL (settings are read once per process)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "masthead.settings",
        "DEBUG": "1",
        "MASTHEAD_VAR_DIR": str(tmp_path),
        "REDIS_URL": redis_url,
    }
    code = "from django.conf import settings; print(settings.SESSION_ENGINE)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    return result.stdout.strip()


def test_a_reader_stays_signed_in_when_redis_forgets_everything(redis_server, member, settings, tmp_path):
    settings.CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": redis_server, "KEY_PREFIX": "t"}}
    settings.SESSION_ENGINE = engine_for(redis_server, tmp_path)
    reader = Client()
    reader.force_login(member)
    assert reader.get("/account/").status_code == 200
    get_redis_connection("default").flushall()  # what a restart without persistence, or an eviction, leaves
    assert reader.get("/account/").status_code == 200
