"""One archive holds everything a magazine needs to come back: `manage.py backup` / `manage.py restore`.

What goes in (docs/deploy.md, "Backups"):

- the database: SQLite through its online backup API (a copy of the file could miss what is still in the
  WAL, or catch a page half-written); PostgreSQL through `pg_dump --format=custom`;
- public media (photos and renditions) and private files (narrations, edition downloads) when they are on
  local disk (`MEDIA_ROOT`, `PRIVATE_FILES_ROOT`); on S3 the buckets are backed up by S3 itself (versioning
  or replication) and the archive says so in its manifest;
- the secret key, when it comes from `SECRET_KEY_FILE`: without it every session, meter cookie, sign-in
  link and private feed token made before the restore stops working.

Restoring writes all of that back. It refuses a database that already holds a magazine unless told to
replace it, so a mistyped command on a live server cannot overwrite it.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections

FORMAT = 1
SQLITE_NAME = "database.sqlite3"
PG_NAME = "database.pgdump"
MANIFEST = "manifest.json"
SECRET_NAME = "secret_key"  # noqa: S105 - the name of a file in the archive


class BackupError(Exception):
    """Backing up or restoring cannot go on; the message says what to do."""


@dataclass(frozen=True)
class Made:
    path: Path
    manifest: dict[str, Any]


def _pg_tool(name: str) -> str:
    """pg_dump/pg_restore of the newest installed PostgreSQL (Debian keeps them per version, newest reads older)."""
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
    if found:
        return str(found[-1])
    on_path = shutil.which(name)
    if on_path:
        return on_path
    raise BackupError(f"{name} is not installed (apt-get install postgresql-client)")


def _pg_env() -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore from Django's settings; the password goes in the environment."""
    db = settings.DATABASES["default"]
    args = ["--dbname", str(db["NAME"])]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _vendor() -> str:
    if connection.vendor not in {"sqlite", "postgresql"}:
        raise BackupError(f"backing up a {connection.vendor} database is not supported (SQLite or PostgreSQL)")
    return connection.vendor


def _local_dirs() -> dict[str, Path]:
    """The file stores that live on this machine's disk, by their name in the archive."""
    dirs: dict[str, Path] = {}
    if not getattr(settings, "S3_BUCKET", None):
        dirs["media"] = Path(settings.MEDIA_ROOT)
    if not getattr(settings, "PRIVATE_S3_BUCKET", None):
        dirs["private"] = Path(settings.PRIVATE_FILES_ROOT)
    return dirs


def _count_files(path: Path) -> int:
    return sum(1 for p in path.rglob("*") if p.is_file()) if path.is_dir() else 0


def _migrations() -> dict[str, str]:
    """The newest applied migration per app: what code a restore needs (at least this new)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
        return dict(cursor.fetchall())


def make_backup(*, directory: Path) -> Made:
    """Write one archive into `directory` and return its path and manifest. Readers can keep reading meanwhile."""
    vendor = _vendor()
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    final = directory / f"masthead-{stamp}.tar.gz"
    with tempfile.TemporaryDirectory(prefix="masthead-backup-", dir=directory) as work_dir:
        work = Path(work_dir)
        if vendor == "sqlite":
            db_file = work / SQLITE_NAME
            source = sqlite3.connect(str(settings.DATABASES["default"]["NAME"]))
            target = sqlite3.connect(str(db_file))
            try:
                source.backup(target)
            finally:
                target.close()
                source.close()
        else:
            db_file = work / PG_NAME
            args, env = _pg_env()
            done = subprocess.run(  # noqa: S603 - PostgreSQL's own pg_dump, fixed arguments
                [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(db_file), *args],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
        secret_file = os.environ.get("SECRET_KEY_FILE")
        dirs = _local_dirs()
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "made_at": stamp,
            "database": vendor,
            "migrations": _migrations(),
            "files": {name: _count_files(path) for name, path in dirs.items()},
            "on_s3": [name for name in ("media", "private") if name not in dirs],
            "secret_key": bool(secret_file),
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2))
        partial = work / "partial.tar.gz"
        with tarfile.open(partial, "w:gz", compresslevel=1) as tar:
            tar.add(work / MANIFEST, arcname=MANIFEST)
            tar.add(db_file, arcname=db_file.name)
            for name, path in dirs.items():
                if path.is_dir():
                    tar.add(path, arcname=name)
            if secret_file:
                tar.add(secret_file, arcname=SECRET_NAME)
        partial.chmod(0o600)  # it holds the secret key and every reader's account
        # Only a complete archive ever carries the final name.
        partial.replace(final)
    return Made(path=final, manifest=manifest)


def read_manifest(archive: Path) -> dict[str, Any]:
    try:
        with tarfile.open(archive, "r:*") as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            manifest: dict[str, Any] = json.loads(member.read())
    except (OSError, tarfile.TarError, KeyError, ValueError) as exc:
        raise BackupError(f"{archive} is not a Masthead backup: {exc}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} has backup format {manifest.get('format')!r}; this version reads {FORMAT}")
    return manifest


def _holds_a_magazine() -> bool:
    return "django_migrations" in connection.introspection.table_names()


def restore_backup(*, archive: Path, replace: bool = False) -> dict[str, Any]:
    """Put the archive's database, files and secret key back. Stop the web servers and workers first."""
    manifest = read_manifest(archive)
    vendor = _vendor()
    if manifest["database"] != vendor:
        raise BackupError(
            f"the backup holds a {manifest['database']} database but this server is configured for {vendor} "
            "(DATABASE_URL); configure the same kind of database to restore it"
        )
    if _holds_a_magazine() and not replace:
        raise BackupError("the database already holds a magazine; pass --replace to overwrite it with the backup")
    with tempfile.TemporaryDirectory(prefix="masthead-restore-") as work_dir:
        work = Path(work_dir)
        with tarfile.open(archive, "r:*") as tar:
            # The "data" filter refuses absolute paths, links out of the tree and device files.
            tar.extractall(work, filter="data")
        if vendor == "sqlite":
            _restore_sqlite(work / SQLITE_NAME)
        else:
            _restore_postgres(work / PG_NAME)
        for name, target in _local_dirs().items():
            source = work / name
            if source.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                shutil.copytree(source, target, dirs_exist_ok=True)
        secret_file = os.environ.get("SECRET_KEY_FILE")
        if secret_file and (work / SECRET_NAME).is_file():
            secret = (work / SECRET_NAME).read_text()
            path = Path(secret_file)
            if not path.exists() or path.read_text().strip() != secret.strip():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(secret)
                path.chmod(0o600)
    return manifest


def _restore_sqlite(source: Path) -> None:
    if not source.is_file():
        raise BackupError(f"the backup has no {SQLITE_NAME}")
    target = Path(str(settings.DATABASES["default"]["NAME"]))
    connections.close_all()
    target.parent.mkdir(parents=True, exist_ok=True)
    # Write through SQLite itself: it takes the lock and leaves no stale WAL of the old database behind.
    src = sqlite3.connect(str(source))
    dst = sqlite3.connect(str(target))
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=WAL")
    finally:
        dst.close()
        src.close()


def _restore_postgres(source: Path) -> None:
    if not source.is_file():
        raise BackupError(f"the backup has no {PG_NAME}")
    connections.close_all()
    args, env = _pg_env()
    done = subprocess.run(  # noqa: S603 - PostgreSQL's own pg_restore, fixed arguments
        [_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
         "--exit-on-error", *args, str(source)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed (nothing was changed: it runs in one transaction): {done.stderr.strip()}")
