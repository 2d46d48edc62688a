"""manage.py restore ARCHIVE [--replace] — put a `manage.py backup` archive back (docs/deploy.md, "Restoring").

Stop the web servers and workers first. Refuses a database that already holds a magazine unless --replace.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from masthead.core.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = "Restore a backup archive: the database, local media and private files, and the secret key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="a masthead-*.tar.gz written by manage.py backup")
        parser.add_argument("--replace", action="store_true", help="overwrite a database that already holds a magazine")

    def handle(self, *args: Any, **options: Any) -> None:
        archive = Path(options["archive"])
        if not archive.is_file():
            raise CommandError(f"no such backup: {archive}")
        try:
            manifest = restore_backup(archive=archive, replace=options["replace"])
        except (BackupError, OSError) as exc:
            raise CommandError(f"restore failed: {exc}") from None
        self.stdout.write(f"restored {archive.name}, made {manifest['made_at']} ({manifest['database']})")
        self.stdout.write("  next: manage.py migrate (if this code is newer than the backup), then start the services")
