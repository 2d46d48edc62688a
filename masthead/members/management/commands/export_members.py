"""manage.py export_members PATH — every reader as a Ghost-style CSV ('-' for standard output)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser

from masthead.members import csv_io, staff_queries


class Command(BaseCommand):
    help = "Export members with Ghost's member export columns."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--filter", default="", choices=["", *staff_queries.FILTERS], help="Only these readers.")

    def handle(self, *args: Any, path: str, filter: str = "", **options: Any) -> None:  # noqa: A002 - the option's name
        rows = staff_queries.apply_filter(staff_queries.readers(), filter)
        if path == "-":
            # OutputWrapper is a text stream; it is not typed as IO[str].
            csv_io.write_csv(rows, cast(IO[str], self.stdout))
            return
        target = Path(path)
        if not target.parent.is_dir():
            raise CommandError(f"The folder {target.parent} does not exist; create it first.")
        # Written beside the target and renamed: a reader of PATH never sees half a file.
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
                count = csv_io.write_csv(rows, out)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self.stderr.write(f"wrote {count} member(s) to {path}")
