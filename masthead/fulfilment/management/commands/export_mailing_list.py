"""python manage.py export_mailing_list --issue <id> PATH: one issue's print mailing list as CSV.

The file appears whole or not at all (written beside PATH, then renamed).
Exit status 75 (EX_TEMPFAIL) means trying again may help; 1 means fix the input.
"""

from __future__ import annotations

import os
import tempfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from masthead.fulfilment.exporters import MailingExportError
from masthead.fulfilment.mailing import mailing_for_issue
from masthead.fulfilment.services import record_export

EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Write the print mailing list for an issue to a CSV file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--issue", type=int, required=True, help="The IssuePage id (see the admin's page URL).")
        parser.add_argument("path", help="Where to write the CSV; '-' for standard output.")
        parser.add_argument(
            "--at", type=date.fromisoformat, help="Take the list as it stood on this day (YYYY-MM-DD) instead of now."
        )

    def handle(self, *args: Any, issue: int, path: str, at: date | None = None, **options: Any) -> None:
        from masthead.newsroom.models import IssuePage

        page = IssuePage.objects.filter(pk=issue).first()
        if page is None:
            raise CommandError(f"--issue {issue}: no issue page has that id.")
        moment = timezone.make_aware(datetime.combine(at, time.max)) if at else None
        mailing = mailing_for_issue(page, at=moment)
        try:
            export = record_export(issue=page, mailing=mailing)
            self._write(export.content, path)
        except MailingExportError as exc:
            raise CommandError(str(exc), returncode=EX_TEMPFAIL if exc.retryable else 1) from exc
        for r in mailing.missing:
            self.stderr.write(f"missing address: {r.email} (reader {r.user_id}) is not in the list")
        self.stderr.write(
            f"{mailing.issue_label} (version {export.version}): wrote {export.rows} address(es) to {path}; "
            f"{len(mailing.missing)} missing an address"
        )

    def _write(self, content: str, path: str) -> None:
        if path == "-":
            self.stdout.write(content, ending="")
            return
        target = Path(path)
        if target.is_dir():
            raise MailingExportError(f"{path} is a directory; give a file name such as {target / 'mailing.csv'}", retryable=False)
        if not target.parent.is_dir():
            raise MailingExportError(f"The folder {target.parent} does not exist; create it first.", retryable=False)
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        except PermissionError as exc:
            raise MailingExportError(f"Cannot write in {target.parent}: {exc.strerror}", retryable=False) from exc
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
                out.write(content)
            os.replace(tmp, target)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise MailingExportError(f"Could not write {path}: {exc}", retryable=True) from exc
