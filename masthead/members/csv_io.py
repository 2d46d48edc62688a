"""Members in and out as CSV with Ghost's columns, so a publication can move from Ghost (or back).

Import is two passes: every row is checked first and every problem reported
with its row number (as a spreadsheet numbers it: the header is row 1); only
a file with no problems is written, in one transaction. Rows are matched by
email (case-insensitive), so importing the same file twice changes nothing
the second time.

What we keep from Ghost's columns: email, name (the reader's display name),
created_at (for new accounts), complimentary_plan (a comp grant with no end,
with `note` as its note). subscribed_to_emails, stripe_customer_id, labels
and tiers are checked but not stored: Masthead has no newsletter or labels
yet, and paid subscriptions come from Stripe through billing, never from a file.
Rows with deleted_at set are skipped.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from wagtail import hooks

from masthead.access import services as access_services
from masthead.access.models import Grant, GrantKind
from masthead.access.services import AccessError
from masthead.core.spreadsheets import safe_cell
from masthead.members import services
from masthead.members.models import Profile
from masthead.members.staff_queries import display_name

COLUMNS = [
    "id",
    "email",
    "name",
    "note",
    "subscribed_to_emails",
    "complimentary_plan",
    "stripe_customer_id",
    "created_at",
    "deleted_at",
    "labels",
    "tiers",
]
MAX_ROWS = 50_000
STRIPE_CUSTOMER = re.compile(r"^cus_[A-Za-z0-9]+$")
TRUE, FALSE = {"true", "1", "yes"}, {"false", "0", "no", ""}

# Other apps may supply columns members cannot know (billing: the Stripe
# customer id) without members importing them: each hook is
# fn(user_ids) -> {user_id: value}.
STRIPE_IDS_HOOK = "masthead_member_stripe_customer_ids"


# --- Export -------------------------------------------------------------------


def _iso(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z") if moment else ""


def export_rows(users: Iterable[Any]) -> Iterable[list[str]]:
    """Ghost-style rows for these readers (expects staff_queries.readers() annotations), header first."""
    users = list(users)
    ids = [u.pk for u in users]
    stripe_ids: dict[int, str] = {}
    for fn in hooks.get_hooks(STRIPE_IDS_HOOK):
        stripe_ids.update(fn(ids))
    now = timezone.now()
    plans: dict[int, list[str]] = {}
    comp_notes: dict[int, str] = {}
    for grant in Grant.objects.filter(user_id__in=ids).active(now).order_by("starts_at"):
        plans.setdefault(grant.user_id, []).append(grant.plan_name)
        if grant.kind == GrantKind.COMP:
            comp_notes[grant.user_id] = grant.note
    yield COLUMNS
    for user in users:
        yield [
            str(user.pk),
            user.email,
            display_name(user),
            comp_notes.get(user.pk, ""),
            "false",  # no newsletter yet: nobody is subscribed to emails
            "true" if user.pk in comp_notes else "false",
            stripe_ids.get(user.pk, ""),
            _iso(user.date_joined),
            "" if user.is_active else _iso(user.last_login or user.date_joined),
            "",
            ",".join(plans.get(user.pk, [])),
        ]


def write_csv(users: Iterable[Any], out: IO[str]) -> int:
    writer = csv.writer(out, lineterminator="\r\n")
    count = -1
    for count, row in enumerate(export_rows(users)):  # noqa: B007 - count is the result
        writer.writerow([safe_cell(c) for c in row])
    return count


# --- Import -------------------------------------------------------------------


@dataclass(frozen=True)
class ImportRow:
    number: int
    email: str
    name: str
    note: str
    complimentary: bool
    created_at: datetime | None
    deleted: bool


@dataclass
class ImportReport:
    errors: list[str] = field(default_factory=list)
    rows: list[ImportRow] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    comps: int = 0
    skipped_deleted: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportRejected(ValueError):
    """The file had problems; nothing was imported. `report.errors` lists them by row."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(f"{len(report.errors)} problem(s); nothing was imported")
        self.report = report


def _bool(value: str, column: str, errors: list[str], number: int) -> bool:
    lowered = value.strip().lower()
    if lowered in TRUE:
        return True
    if lowered not in FALSE:
        errors.append(f"Row {number}: {column} must be true or false, not {value!r}.")
    return False


def _when(value: str, column: str, errors: list[str], number: int) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    parsed = parse_datetime(value.replace("Z", "+00:00")) if "T" in value or " " in value else None
    if parsed is None:
        errors.append(f"Row {number}: {column} {value!r} is not a date and time like 2024-03-28T09:30:00.000Z.")
        return None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)


def check(data: bytes | str) -> ImportReport:
    """Pass one: read and check every row; nothing is written."""
    report = ImportReport()
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            report.errors.append(f"The file is not UTF-8 text (byte {exc.start}); export it again as CSV UTF-8.")
            return report
    reader = csv.DictReader(io.StringIO(data))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if "email" not in header:
        report.errors.append(
            f"Row 1: the header has no 'email' column; the first line must name the columns, e.g. {','.join(COLUMNS)}"
        )
        return report
    reader.fieldnames = header
    report.ignored_columns = [h for h in header if h not in COLUMNS]
    seen: dict[str, int] = {}
    try:
        for index, raw in enumerate(reader):
            number = index + 2
            if index >= MAX_ROWS:
                report.errors.append(f"Row {number}: more than {MAX_ROWS} rows; split the file.")
                break
            if None in raw:
                report.errors.append(f"Row {number}: more cells than columns in the header.")
                continue
            row = {k: (v or "").strip() for k, v in raw.items()}
            if not any(row.values()):
                continue  # a blank line at the end of a spreadsheet export
            before = len(report.errors)
            email = row.get("email", "").lower()
            try:
                validate_email(email)
            except ValidationError:
                report.errors.append(f"Row {number}: {email or '(empty)'!r} is not an email address.")
            if email in seen:
                report.errors.append(f"Row {number}: {email} is already on row {seen[email]}.")
            seen.setdefault(email, number)
            name = row.get("name", "")
            if len(name) > 120:
                report.errors.append(f"Row {number}: name is longer than 120 characters.")
            note = row.get("note", "")
            if len(note) > 255:
                report.errors.append(f"Row {number}: note is longer than 255 characters.")
            _bool(row.get("subscribed_to_emails", ""), "subscribed_to_emails", report.errors, number)
            comp = _bool(row.get("complimentary_plan", ""), "complimentary_plan", report.errors, number)
            stripe_id = row.get("stripe_customer_id", "")
            if stripe_id and not STRIPE_CUSTOMER.match(stripe_id):
                report.errors.append(f"Row {number}: stripe_customer_id {stripe_id!r} does not look like cus_...")
            created_at = _when(row.get("created_at", ""), "created_at", report.errors, number)
            deleted_at = _when(row.get("deleted_at", ""), "deleted_at", report.errors, number)
            if len(report.errors) == before:
                report.rows.append(ImportRow(number, email, name, note, comp, created_at, deleted_at is not None))
    except csv.Error as exc:
        report.errors.append(f"Row {reader.line_num}: the CSV is malformed ({exc}).")
    if not report.rows and not report.errors:
        report.errors.append("The file has a header but no members.")
    return report


def import_members(data: bytes | str, *, created_by: Any = None) -> ImportReport:
    """Check every row, then write all of them or none. Raises ImportRejected with row-numbered errors."""
    report = check(data)
    if not report.ok:
        raise ImportRejected(report)
    try:
        with transaction.atomic():
            _apply_all(report, created_by)
    except (IntegrityError, AccessError) as exc:
        report.errors.append(f"Nothing was imported: {exc}")
        raise ImportRejected(report) from exc
    return report


def _chunks(items: list[Any], size: int = 900) -> Iterable[list[Any]]:
    # Below SQLite's limit on query parameters.
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _apply_all(report: ImportReport, created_by: Any) -> None:
    """Look readers, profiles and earlier imported comps up in bulk: a re-import of 5,000 rows is a handful of queries."""
    User = get_user_model()
    rows = [row for row in report.rows if not row.deleted]
    report.skipped_deleted = len(report.rows) - len(rows)
    emails = sorted({row.email for row in rows})
    existing: dict[str, Any] = {}
    for chunk in _chunks(emails):
        # Highest pk first so the oldest account with that email wins, as sign-in does.
        for found in User.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=chunk).order_by("-pk"):
            existing[found.email_lower] = found
    ids = [user.pk for user in existing.values()]
    profiles: dict[int, Profile] = {}
    starts: dict[str, Any] = {}
    for chunk in _chunks(ids):
        profiles.update({p.user_id: p for p in Profile.objects.filter(user_id__in=chunk)})
        references = [f"comp:import:{pk}" for pk in chunk]
        starts.update(Grant.objects.filter(kind=GrantKind.COMP, reference__in=references).values_list("reference", "starts_at"))
    for row in rows:
        user = existing.get(row.email)
        if user is None:
            user = services.create_reader(email=row.email, display_name=row.name, joined_at=row.created_at)
            profiles[user.pk] = Profile.objects.get(user=user)
            report.created += 1
        else:
            report.updated += 1
        profile = profiles.get(user.pk)
        if profile is None:
            profile = Profile.objects.create(user=user, display_name=row.name)
        elif row.name and profile.display_name != row.name:
            profile.display_name = row.name
            profile.save(update_fields=["display_name"])
        if row.complimentary:
            reference = f"comp:import:{user.pk}"
            existing_start = starts.get(reference)
            grant = Grant.objects.filter(kind=GrantKind.COMP, reference=reference).only("note", "ends_at", "revoked_at").first()
            note = row.note or "Complimentary (imported)"
            # One reference per reader: importing the file again leaves this comp as it is instead of adding another.
            if grant is None or grant.note != note or grant.ends_at is not None:
                access_services.grant_access(
                    user=user,
                    kind=GrantKind.COMP,
                    reference=reference,
                    starts_at=existing_start,
                    ends_at=None,
                    note=note,
                    created_by=created_by,
                )
            report.comps += 1
