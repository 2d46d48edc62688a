"""Every write to a reader's access goes through here: keyword-only and atomic.

billing calls grant_access / end_access from Stripe webhooks, staff from the
admin (comps), members through gift redemption. Each is safe to repeat: a
webhook delivered twice updates the same Grant.
"""

from __future__ import annotations

import calendar
import secrets
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from masthead.access.models import Grant, GrantKind
from masthead.access.signals import access_ended

# Reasons that take access away before the paid-for period is over. They
# revoke (not just end) the grant and tell other apps (private feeds,
# downloads) to withdraw what they issued.
EARLY_END_REASONS = frozenset({"refunded", "revoked"})


class AccessError(ValueError):
    """A request about access that cannot be honoured; the message says why, for the reader or staff."""


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later; the 31st becomes the month's last day."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def end_of_day(day: date) -> datetime:
    """The first instant after `day` in the site's time zone: access "until March 31" includes all of March 31."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


@transaction.atomic
def grant_access(
    *,
    user: Any,
    kind: str,
    reference: str,
    starts_at: datetime | None = None,
    ends_at: datetime | None,
    includes_print: bool = False,
    note: str = "",
    created_by: Any = None,
) -> Grant:
    """Create the grant for (kind, reference), or update its window if it exists.

    A revoked grant stays revoked: a late webhook for a refunded subscription
    must not give access back. Resubscribing creates a new reference.
    """
    if kind not in GrantKind.values:
        raise AccessError(f"Unknown grant kind {kind!r}; use one of {', '.join(GrantKind.values)}.")
    if not reference:
        raise AccessError("A grant needs a reference (subscription id, gift code or comp:<id>).")
    grant = Grant.objects.select_for_update().filter(kind=kind, reference=reference).first()
    # Without an explicit start, a new grant starts now and an existing one keeps its start
    # (a renewal webhook moves the end, not the beginning).
    starts_at = starts_at or (grant.starts_at if grant is not None else timezone.now())
    if ends_at is not None and ends_at <= starts_at:
        raise AccessError(f"The grant would end ({ends_at:%Y-%m-%d %H:%M}) before it starts ({starts_at:%Y-%m-%d %H:%M}).")
    if grant is None:
        try:
            with transaction.atomic():  # a savepoint: a concurrent creator may win the unique (kind, reference)
                return Grant.objects.create(
                    user=user,
                    kind=kind,
                    reference=reference,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    includes_print=includes_print,
                    note=note,
                    created_by=created_by,
                )
        except IntegrityError:
            grant = Grant.objects.select_for_update().get(kind=kind, reference=reference)
    if grant.user_id != user.pk:
        raise AccessError(f"{kind} {reference} already belongs to another reader (user {grant.user_id}).")
    grant.starts_at, grant.ends_at, grant.includes_print = starts_at, ends_at, includes_print
    if note:
        grant.note = note
    if grant.revoked_at is None:
        # Renewed or resubscribed: a pending cancellation no longer applies.
        grant.revoke_reason = ""
    grant.save(update_fields=["starts_at", "ends_at", "includes_print", "note", "revoke_reason", "updated"])
    return grant


@transaction.atomic
def end_access(*, kind: str, reference: str, at: datetime | None = None, reason: str) -> Grant | None:
    """End a grant at `at` (now).

    "cancelled"/"expired": access runs until `at` (cancel-at-period-end passes
    the period end). "refunded"/"revoked": access stops at once, the grant is
    marked revoked, and access_ended is sent. Returns None when no such
    grant exists (e.g. a refund webhook for a subscription we never granted).
    """
    grant = Grant.objects.select_for_update().filter(kind=kind, reference=reference).first()
    if grant is None:
        return None
    now = timezone.now()
    at = at or now
    if grant.ends_at is None or at < grant.ends_at:
        grant.ends_at = max(at, grant.starts_at)
    if reason in EARLY_END_REASONS:
        if grant.revoked_at is None:
            grant.revoked_at = min(at, now)
        grant.revoke_reason = reason
    elif grant.revoked_at is None:
        # Kept so the account page says "access until" rather than "renews on".
        grant.revoke_reason = reason
    grant.save(update_fields=["ends_at", "revoked_at", "revoke_reason", "updated"])
    if reason in EARLY_END_REASONS:
        # Sent inside the transaction: a receiver that fails rolls the revocation back
        # rather than leaving a refunded reader with a working private feed.
        access_ended.send(sender=Grant, user=grant.user, reason=reason)
    return grant


@transaction.atomic
def grant_comp(*, user: Any, until: date | None, includes_print: bool = False, note: str = "", created_by: Any = None) -> Grant:
    """Staff's complimentary access, until the end of `until` in the site's time zone (None: no end)."""
    reference = f"comp:{secrets.token_hex(8)}"
    return grant_access(
        user=user,
        kind=GrantKind.COMP,
        reference=reference,
        ends_at=end_of_day(until) if until else None,
        includes_print=includes_print,
        note=note or "Complimentary subscription",
        created_by=created_by,
    )
