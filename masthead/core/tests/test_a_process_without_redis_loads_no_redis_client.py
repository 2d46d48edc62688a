"""The embedded default (no REDIS_URL) starts without importing a Redis client (~6 MiB per process).

masthead/core/shared_cache.py names Redis's exceptions only once a Redis cache is loaded; the Redis-down tests
(test_pages_render_while_redis_is_down.py) show those exceptions are still caught when it is.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

SCRIPT = """
import sys
import django
django.setup()
from django.core.cache import cache
cache.set("a", 1)
print(sorted(m for m in ("redis", "django_redis") if m in sys.modules))
"""


def test_no_redis_client_without_redis_url():
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["DJANGO_SETTINGS_MODULE"] = "masthead.settings"
    done = subprocess.run(  # noqa: S603 (this interpreter, a fixed script)
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"
