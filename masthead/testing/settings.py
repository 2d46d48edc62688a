"""The test run's environment, then the one settings module.

pytest-django imports settings before any conftest runs, so the defaults a
test run needs are set here rather than in conftest.py. Explicit environment
variables still win (e.g. DATABASE_URL to run the suite on PostgreSQL).
"""

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("STATIC_NO_MANIFEST", "1")
os.environ.setdefault("TASKS_IMMEDIATE", "1")
os.environ.setdefault("PAGE_CACHE_ENABLED", "1")
# Tests speak with espeak (fast) and narrate only when a test asks for it.
os.environ.setdefault("NARRATION_ENGINE", "espeak")
os.environ.setdefault("NARRATION_ON_PUBLISH", "0")
# Editions build only when a test asks (WeasyPrint takes seconds per PDF).
os.environ.setdefault("EDITIONS_ON_PUBLISH", "0")

from masthead.settings import *  # noqa: E402, F403

# Tests that use threads (webhook races, live servers) need SQLite's real file
# locking, as in production: a shared-cache in-memory database answers "table
# is locked" at once instead of waiting out the busy timeout. One file per run.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}  # noqa: F405

# Argon2 is deliberately slow; tests create many users. Production keeps Argon2 first.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]  # noqa: F405

# WhiteNoise warns on every request when STATIC_ROOT is missing; tests serve
# static files through the finders (STATIC_NO_MANIFEST), so an empty one will do.
os.makedirs(STATIC_ROOT, exist_ok=True)  # noqa: F405
