"""Print runs: at an issue's closing date, who gets it in print and where, frozen; the mailing-house CSV.

``take_print_run`` is the one write that makes a run (atomic; a second call, a second editor or a
second worker finds the first run and gets it back). ``take_due_print_runs`` takes every run whose
closing date has come (``manage.py take_print_runs``, hourly from cron beside Wagtail's
``publish_scheduled``). ``export_csv`` writes the file and records who exported it, when.

The mailing-house format, ``masthead-mailing-1`` (documented in docs/editions.md): UTF-8, comma
separated, CRLF line ends, one header row, one row per copy, sorted by country then postcode. No
email addresses: the mailing house needs where, not who to write to.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from masthead.core.spreadsheets import safe_cell
from masthead.fulfilment.mailing import print_recipients
from masthead.fulfilment.models import PrintRun, PrintRunExport, PrintRunRecipient
from masthead.fulfilment.postal import country_name, label_lines

FORMAT = "masthead-mailing-1"
LABEL_LINES = 6
COLUMNS = [
    "run",
    "issue",
    "reader_ref",
    "name",
    "address_line_1",
    "address_line_2",
    "city",
    "region",
    "postcode",
    "country_code",
    "country",
    "phone",
    *[f"label_{n}" for n in range(1, LABEL_LINES + 1)],
    "copies",
]
# A closing date left blank means a week before the cover date (newsroom's IssuePage says so to the editor).
DEFAULT_CLOSING = timedelta(days=7)


class PrintRunError(Exception):
    """A run that cannot be taken (yet); the message says why and when it can."""


def closing_date(issue: Any) -> date:
    return issue.closing_date or (issue.cover_date - DEFAULT_CLOSING)


def closes_at(issue: Any) -> datetime:
    """The start of the closing day in the site's time zone: readers entitled at that moment get the issue."""
    return timezone.make_aware(datetime.combine(closing_date(issue), time.min))


def issue_label(issue: Any) -> str:
    return f"Vol. {issue.volume} No. {issue.number} ({issue.cover_date:%B} {issue.cover_date.day}, {issue.cover_date.year})"


def take_print_run(*, issue: Any, by: Any = None, now: datetime | None = None) -> PrintRun:
    """The issue's run: the one already taken, or a new one if its closing date has come."""
    existing = PrintRun.objects.filter(issue=issue).first()
    if existing is not None:
        return existing
    now = now or timezone.now()
    moment = closes_at(issue)
    if now < moment:
        raise PrintRunError(
            f"The print run of {issue_label(issue)} closes on {closing_date(issue):%B %-d, %Y}; it can be taken from then."
        )
    recipients = print_recipients(at=moment)
    try:
        with transaction.atomic():
            run = PrintRun.objects.create(
                issue=issue,
                issue_label=issue_label(issue),
                cover_date=issue.cover_date,
                closes_at=moment,
                taken_by=by if getattr(by, "is_authenticated", False) else None,
                copies=sum(1 for r in recipients if r.address is not None),
                missing=sum(1 for r in recipients if r.address is None),
            )
            PrintRunRecipient.objects.bulk_create([_frozen(run, recipient) for recipient in recipients], batch_size=500)
    except IntegrityError:
        # Taken at the same moment by another editor or worker: theirs is the run.
        found = PrintRun.objects.filter(issue=issue).first()
        if found is None:
            raise
        return found
    return run


def _frozen(run: PrintRun, recipient: Any) -> PrintRunRecipient:
    row = PrintRunRecipient(
        run=run, reader_id=recipient.user_id, email=recipient.email, plan=str(recipient.plan)[:200], has_address=False
    )
    address = recipient.address
    if address is not None:
        fields = address.fields()
        for name, value in fields.items():
            setattr(row, name, value)
        row.has_address = True
        row.label = "\n".join(label_lines(fields))
    return row


def due_issues(*, now: datetime | None = None) -> list[Any]:
    """Issues whose closing date has come, whose cover date has not passed, and that have no run yet."""
    from masthead.newsroom.models import IssuePage

    now = now or timezone.now()
    today = timezone.localdate(now)
    candidates = IssuePage.objects.filter(cover_date__gte=today, print_run__isnull=True).order_by("cover_date")
    return [issue for issue in candidates if closes_at(issue) <= now]


def take_due_print_runs(*, now: datetime | None = None) -> list[PrintRun]:
    return [take_print_run(issue=issue, now=now) for issue in due_issues(now=now)]


@dataclass(frozen=True)
class CountryCount:
    code: str
    name: str
    copies: int


def counts_by_country(run: PrintRun) -> list[CountryCount]:
    """Copies per destination country, most first (then by name)."""
    counts = Counter(run.recipients.filter(has_address=True).values_list("country", flat=True))
    rows = [CountryCount(code, country_name(code), n) for code, n in counts.items()]
    return sorted(rows, key=lambda row: (-row.copies, row.name))


def csv_content(run: PrintRun) -> tuple[str, int]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    rows = 0
    for r in run.recipients.filter(has_address=True).order_by("country", "postcode", "name", "pk"):
        label = r.label_lines[:LABEL_LINES]
        label += [""] * (LABEL_LINES - len(label))
        values = [
            run.pk,
            run.issue_label,
            r.reader_id,
            r.name,
            r.line1,
            r.line2,
            r.city,
            r.region,
            r.postcode,
            r.country,
            country_name(r.country),
            r.phone,
            *label,
            1,
        ]
        writer.writerow([safe_cell(str(value)) for value in values])
        rows += 1
    return out.getvalue(), rows


def export_filename(run: PrintRun) -> str:
    return f"print-run-{run.cover_date:%Y-%m-%d}-{run.pk}.csv"


@transaction.atomic
def export_csv(*, run: PrintRun, by: Any) -> tuple[str, PrintRunExport]:
    """The run as the mailing house's CSV, recorded as exported by ``by`` now. The bytes never change
    for a run (it is frozen), so every export of one run has the same digest."""
    content, rows = csv_content(run)
    export = PrintRunExport.objects.create(
        run=run,
        exported_by=by if getattr(by, "is_authenticated", False) else None,
        format=FORMAT,
        rows=rows,
        sha256=hashlib.sha256(content.encode()).hexdigest(),
    )
    return content, export
