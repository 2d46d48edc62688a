"""A misconfigured deploy fails at start-up, naming the variable; a good one passes check --deploy.

Each case runs in a fresh interpreter with a clean environment, because
settings are read once per process. The bad cases fail while settings are
imported, before apps load (~0.5 s each), and run concurrently.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SETUP = "import django; django.setup()"

# (why it is wrong, environment, the variable the error must name)
BAD = [
    ("DEBUG is not a boolean", {"DEBUG": "maybe"}, "DEBUG"),
    ("cache lifetime is not a number", {"PAGE_CACHE_SECONDS": "abc"}, "PAGE_CACHE_SECONDS"),
    ("unknown database scheme", {"DATABASE_URL": "nonsense://"}, "DATABASE_URL"),
    ("no secret key in production", {"DEBUG": "0", "SECRET_KEY": ""}, "SECRET_KEY"),
    ("Redis URL without a scheme", {"REDIS_URL": "localhost:6379"}, "REDIS_URL"),
    ("Redis URL with a bad port", {"REDIS_URL": "redis://127.0.0.1:sixtythree/0"}, "REDIS_URL"),
    ("S3 keys without a bucket", {"S3_ACCESS_KEY_ID": "AKIA", "S3_SECRET_ACCESS_KEY": "s"}, "S3_BUCKET"),
    ("half an S3 key pair", {"S3_BUCKET": "media", "S3_ACCESS_KEY_ID": "AKIA"}, "S3_SECRET_ACCESS_KEY"),
    ("unknown time zone", {"TIME_ZONE": "Mars/Olympus_Mons"}, "TIME_ZONE"),
    ("a trusted proxy that is not an address", {"TRUSTED_PROXIES": "127.0.0.1,nginx.local"}, "TRUSTED_PROXIES"),
    ("behind a proxy without saying which", {"BEHIND_PROXY": "1"}, "TRUSTED_PROXIES"),
    ("a network ceiling of no readers", {"METER_READERS_PER_NETWORK": "0"}, "METER_READERS_PER_NETWORK"),
    # Everything under a public root has a URL: private files must live elsewhere.
    ("private files inside media", {"MEDIA_ROOT": "/srv/m", "PRIVATE_FILES_ROOT": "/srv/m/private"}, "PRIVATE_FILES_ROOT"),
    ("media inside private files", {"MEDIA_ROOT": "/srv/p/media", "PRIVATE_FILES_ROOT": "/srv/p"}, "PRIVATE_FILES_ROOT"),
    ("private files are the static root", {"STATIC_ROOT": "/srv/s", "PRIVATE_FILES_ROOT": "/srv/s"}, "PRIVATE_FILES_ROOT"),
    ("accel prefix is not a path", {"PRIVATE_FILES_ACCEL_PREFIX": "_private"}, "PRIVATE_FILES_ACCEL_PREFIX"),
    ("accel prefix under media", {"PRIVATE_FILES_ACCEL_PREFIX": "/media/private/"}, "PRIVATE_FILES_ACCEL_PREFIX"),
    ("signed URLs that outlive a refund", {"PRIVATE_FILES_SIGNED_URL_SECONDS": "3600"}, "PRIVATE_FILES_SIGNED_URL_SECONDS"),
    ("signed URLs that never work", {"PRIVATE_FILES_SIGNED_URL_SECONDS": "0"}, "PRIVATE_FILES_SIGNED_URL_SECONDS"),
    ("private bucket without S3", {"PRIVATE_S3_BUCKET": "private"}, "S3_BUCKET"),
    ("shared bucket without a prefix", {"S3_BUCKET": "media", "PRIVATE_S3_PREFIX": "/"}, "PRIVATE_S3_PREFIX"),
    ("trim size not WIDTHxHEIGHT", {"EDITIONS_TRIM_MM": "A4"}, "EDITIONS_TRIM_MM"),
    ("trim size out of range", {"EDITIONS_TRIM_MM": "2100x2750"}, "EDITIONS_TRIM_MM"),
    ("bleed not a number", {"EDITIONS_BLEED_MM": "three"}, "EDITIONS_BLEED_MM"),
    ("error email to a name, not an address", {"ERROR_EMAIL_TO": "ops@example.com,webmaster"}, "ERROR_EMAIL_TO"),
]


def clean_env(tmp_path: Path, **values: str) -> dict[str, str]:
    """Only what the process needs: nothing leaks in from the test run's own settings."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "masthead.settings",
        "MASTHEAD_VAR_DIR": str(tmp_path / "var"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "DEBUG": "1",
    }
    env.update(values)
    return env


def test_bad_values_stop_start_up_with_an_error_naming_the_variable(tmp_path):
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", SETUP],
            cwd=ROOT,
            env=clean_env(tmp_path, **values),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _, values, _ in BAD
    ]
    failures = []
    for (why, values, variable), process in zip(BAD, processes, strict=True):
        _, stderr = process.communicate(timeout=120)
        last_line = stderr.strip().splitlines()[-1] if stderr.strip() else ""
        if process.returncode == 0:
            failures.append(f"{why} {values}: started anyway")
        elif not last_line.startswith("django.core.exceptions.ImproperlyConfigured") or variable not in last_line:
            failures.append(f"{why} {values}: expected ImproperlyConfigured naming {variable}, got {last_line!r}")
    assert not failures, "\n".join(failures)


def test_redis_password_is_not_echoed_in_the_error(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", SETUP],
        cwd=ROOT,
        env=clean_env(tmp_path, REDIS_URL="http://:hunter2-secret@cache:6379"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "REDIS_URL" in result.stderr and "hunter2-secret" not in result.stderr


def test_a_good_production_environment_passes_the_deploy_check(tmp_path):
    env = clean_env(
        tmp_path,
        DEBUG="0",
        SECRET_KEY="k" * 20 + "-production-secret-with-enough-variety-0123456789",
        SITE_URL="https://magazine.example",
        ALLOWED_HOSTS="magazine.example",
        # Every explicit form of the variables the bad cases reject, set right.
        PAGE_CACHE_SECONDS="600",
        TIME_ZONE="Europe/London",
        REDIS_URL="",
        LOG_LEVEL="info",
        BEHIND_PROXY="1",
        TRUSTED_PROXIES="127.0.0.1, 10.0.0.0/8, ::1",
        PRIVATE_FILES_ROOT=str(tmp_path / "private"),
        PRIVATE_FILES_ACCEL_PREFIX="/_masthead_private/",
        PRIVATE_FILES_SIGNED_URL_SECONDS="60",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
