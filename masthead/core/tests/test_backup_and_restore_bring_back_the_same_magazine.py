"""`make backup` → the machine is wiped → `make restore` → the same magazine: site, subscribers, audio, secret key.

Runs the real scripts as a sysadmin would, in processes of their own (the service's environment, a data
directory of its own), on SQLite; on PostgreSQL too when the suite runs there (scripts/test-postgres.sh).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[3]

MAKE = """
import hashlib, json
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.management import call_command
from django.test import Client
from masthead.access import services
from masthead.newsroom.models import SectionPage
from masthead.testing.builders import ensure_author, make_article
from masthead.narration.tests.listening_helpers import make_narration
from django.utils import timezone
from datetime import timedelta

call_command("setup_site", "--name", "The Northern Review", "--admin-email", "ed@example.com", "--section", "Politics",
             stdout=open("/dev/null", "w"))
section = SectionPage.objects.get(title="Politics")
author = ensure_author(section.get_parent().specific, "Ana Writer")
article = make_article(section, "The Vote", authors=[author], paragraphs=["Public lead.", "Paid part."],
                       access="subscribers", preview_after=1)
make_narration(article, seconds=1.0)
reader = get_user_model().objects.create_user("reader", "reader@example.com", "a-long-password-1")
services.grant_access(user=reader, kind="subscription", reference="sub_backup_1", starts_at=timezone.now(),
                      ends_at=timezone.now() + timedelta(days=30), note="Digital, monthly")
print(json.dumps({"signed": signing.dumps("made before the backup")}))
"""

# What a reader and the publisher would notice, printed the same way before the backup and after the restore.
LOOK = """
import hashlib, json
from django.contrib.auth import get_user_model
from django.core import signing
from django.test import Client
from wagtail.models import Site
from masthead.access.entitlements import can_read
from masthead.core.models import MagazineSettings
from django.urls import reverse
from masthead.narration import transcripts
from masthead.narration.models import Narration
from masthead.newsroom.models import ArticlePage

site = Site.objects.get(is_default_site=True)
reader = get_user_model().objects.get(username="reader")
article = ArticlePage.objects.get(title="The Vote")
narration = Narration.objects.get(page=article)
client = Client()
client.force_login(reader)
narration_url = reverse("narration:file", args=[narration.pk, transcripts.audio_filename(narration)])
heard = client.get(narration_url)
body = b"".join(heard.streaming_content) if heard.streaming else heard.content
anonymous = Client().get(narration_url)
try:
    signed = signing.loads(SIGNED)
except signing.BadSignature:
    signed = "bad signature"
print(json.dumps({
    "magazine": MagazineSettings.for_site(site).name,
    "pages": sorted(ArticlePage.objects.live().values_list("title", flat=True)),
    "users": sorted(get_user_model().objects.values_list("username", "email", "password")),
    "reader_can_read": can_read(reader, article),
    "audio_sha": hashlib.sha256(narration.audio.open("rb").read()).hexdigest(),
    "reader_hears": [heard.status_code, hashlib.sha256(body).hexdigest()],
    "anonymous_hears": anonymous.status_code,
    "signed": signed,
}))
"""


def _postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def _fresh_postgres_database(url: str) -> str:
    """A database of this test's own on the suite's PostgreSQL server (the scripts may wipe it)."""
    import psycopg

    name = f"masthead_backup_{secrets.token_hex(4)}"
    parts = urlsplit(url)
    # The suite's own database may not exist yet (pytest-django makes test_<name>): ask the server's.
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def _drop_postgres_database(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    server = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Machine:
    """One server's environment and data directory; run() is a shell command there."""

    def __init__(self, home: Path, database_url: str | None) -> None:
        self.home = home
        self.var = home / "var"
        self.secret = home / "etc" / "secret_key"
        self.env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "TMPDIR") if name in os.environ}
        self.env.update(
            DEBUG="0",
            ALLOWED_HOSTS="testserver,127.0.0.1",
            DJANGO_SETTINGS_MODULE="masthead.settings",
            PYTHON=sys.executable,
            MASTHEAD_VAR_DIR=str(self.var),
            SECRET_KEY_FILE=str(self.secret),
            STATIC_NO_MANIFEST="1",
            NARRATION_ON_PUBLISH="0",
            EDITIONS_ON_PUBLISH="0",
            TASKS_IMMEDIATE="1",
            PYTHONDONTWRITEBYTECODE="1",
        )
        if database_url:
            self.env["DATABASE_URL"] = database_url

    def run(self, *cmd: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(cmd, cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=900, check=False)  # noqa: S603
        if check and done.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done

    def shell(self, code: str) -> dict[str, Any]:
        out = self.run(sys.executable, "manage.py", "shell", "-v0", "-c", code).stdout
        return json.loads(out.strip().splitlines()[-1])


@pytest.fixture(params=["sqlite", "postgresql"])
def machine(request: Any, tmp_path: Path) -> Any:
    if request.param == "postgresql":
        url = _postgres_url()
        if url is None:
            pytest.skip("the suite runs on SQLite here; scripts/test-postgres.sh runs this on PostgreSQL")
        database_url = _fresh_postgres_database(url)
    else:
        database_url = None
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "secret_key").write_text(secrets.token_urlsafe(50))
    server = Machine(tmp_path, database_url)
    yield server
    if database_url:
        _drop_postgres_database(database_url)


def test_backup_wipe_restore_gives_back_the_same_site_subscribers_and_audio(machine: Machine, tmp_path: Path) -> None:
    machine.run(sys.executable, "manage.py", "migrate", "--noinput", "-v0")
    signed = machine.shell(MAKE)["signed"]
    look = LOOK.replace("SIGNED", repr(signed))
    before = machine.shell(look)
    assert before["reader_hears"][0] == 200 and before["anonymous_hears"] == 403, before
    assert before["signed"] == "made before the backup"

    made = machine.run("scripts/backup.sh", "--to", str(tmp_path / "backups")).stdout
    archive = next((tmp_path / "backups").glob("masthead-*.tar.gz"))
    assert str(archive) in made
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "secret_key" in names and any(n.startswith("private/narration/") for n in names)

    # The machine is lost: database, media, private files and the secret key.
    shutil.rmtree(machine.var)
    machine.secret.unlink()
    if "DATABASE_URL" in machine.env:
        _drop_postgres_database(machine.env["DATABASE_URL"])
        url = urlsplit(machine.env["DATABASE_URL"])
        import psycopg

        with psycopg.connect(urlunsplit(url._replace(path="/postgres")), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{url.path.lstrip("/")}"')
    gone = machine.run(sys.executable, "manage.py", "check", check=False)
    assert gone.returncode != 0 and "SECRET_KEY_FILE" in gone.stderr

    machine.run("scripts/restore.sh", str(archive))
    assert machine.shell(look) == before

    # Now the machine holds a live magazine again: a second restore must be asked for in so many words.
    refused = machine.run("scripts/restore.sh", str(archive), check=False)
    assert refused.returncode != 0
    assert "already holds a magazine; pass --replace" in refused.stderr
    machine.run("scripts/restore.sh", str(archive), "--replace")
    assert machine.shell(look) == before


def test_a_file_that_is_not_a_backup_is_named(machine: Machine, tmp_path: Path) -> None:
    bogus = tmp_path / "notes.tar.gz"
    bogus.write_bytes(b"not a tar file")
    refused = machine.run("scripts/restore.sh", str(bogus), check=False)
    assert refused.returncode != 0
    assert "is not a Masthead backup" in refused.stderr
