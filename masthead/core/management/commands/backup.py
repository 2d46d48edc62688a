"""manage.py backup [--to DIR] — one archive of the database, local media and private files, and the secret key.

Safe while the site runs (SQLite's online backup API; pg_dump's snapshot). docs/deploy.md, "Backups".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from masthead.core.backup import BackupError, make_backup


class Command(BaseCommand):
    help = "Write a backup archive (database, local media and private files, secret key) into a directory."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--to", default=None, metavar="DIR", help="directory for the archive (default: $MASTHEAD_VAR_DIR/backups)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        directory = Path(options["to"]) if options["to"] else Path(settings.VAR_DIR) / "backups"
        try:
            made = make_backup(directory=directory)
        except (BackupError, OSError) as exc:
            raise CommandError(f"backup failed: {exc}") from None
        manifest = made.manifest
        files = ", ".join(f"{name}: {count} files" for name, count in manifest["files"].items()) or "no local files"
        self.stdout.write(f"backup: {made.path}")
        self.stdout.write(f"  {manifest['database']} database, {files}")
        if manifest["on_s3"]:
            self.stdout.write(f"  on S3, not in this archive: {', '.join(manifest['on_s3'])} (use the bucket's versioning)")
        if not manifest["secret_key"]:
            self.stdout.write("  SECRET_KEY comes from the environment, not SECRET_KEY_FILE: keep a copy of it yourself")
