"""manage.py import_members PATH — members from a Ghost-style CSV; every row checked first, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from masthead.members import csv_io


class Command(BaseCommand):
    help = "Import members from a CSV with Ghost's member export columns (idempotent by email)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The CSV file, e.g. a Ghost members export.")
        parser.add_argument("--check", action="store_true", help="Only check the file; import nothing.")

    def handle(self, *args: Any, path: str, check: bool = False, **options: Any) -> None:
        source = Path(path)
        if not source.is_file():
            raise CommandError(f"{path}: no such file.")
        data = source.read_bytes()
        if check:
            report = csv_io.check(data)
            if not report.ok:
                raise CommandError(self._problems(path, report))
            self.stdout.write(f"{path}: {len(report.rows)} row(s) would be imported; no problems found.")
            return
        try:
            report = csv_io.import_members(data)
        except csv_io.ImportRejected as rejected:
            raise CommandError(self._problems(path, rejected.report)) from rejected
        ignored = f"; ignored columns: {', '.join(report.ignored_columns)}" if report.ignored_columns else ""
        self.stdout.write(
            f"{path}: {report.created} new, {report.updated} updated, {report.comps} comp(s), "
            f"{report.skipped_deleted} deleted row(s) skipped{ignored}"
        )

    @staticmethod
    def _problems(path: str, report: csv_io.ImportReport) -> str:
        return f"{path}: nothing imported, {len(report.errors)} problem(s):\n" + "\n".join(report.errors)
