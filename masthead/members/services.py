"""Every write to a reader's access goes through here: keyword-only and atomic.

billing calls grant_access / end_access from Stripe webhooks, staff from the
admin (comps), readers through gift redemption. Each is safe to repeat: a
webhook delivered twice updates the same Grant.
"""

from __future__ import annotations

import calendar
import secrets
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from masthead.members.models import GiftCode, Grant, GrantKind, PastEmail, Profile
from masthead.members.tokens import normalise_email
from masthead.newsroom.access import reader_access_ended

# Reasons that take access away before the paid-for period is over. They
# revoke (not just end) the grant and tell other apps (private feeds,
# downloads) to withdraw what they issued.
EARLY_END_REASONS = frozenset({"refunded", "revoked"})

# Gift codes: no 0/O, 1/I/L, so a code read aloud or off paper types correctly.
GIFT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class AccessError(ValueError):
    """A request about access that cannot be honoured; the message says why, for the reader or staff."""


def create_reader(*, email: str) -> Any:
    """A new reader account for this address: a username made from it, no usable password (readers sign
    in by link and may set one later), a Profile. If another request created the account at the same
    moment, that one is returned."""
    User = get_user_model()
    username = email[:150]
    if User.objects.filter(username=username).exists():
        username = f"{email[:130]}-{secrets.token_hex(4)}"
    try:
        with transaction.atomic():
            user = User.objects.create_user(username=username, email=email)  # no password: unusable
            Profile.objects.get_or_create(user=user)
    except IntegrityError:
        twin = User.objects.filter(email__iexact=email).order_by("pk").first()
        if twin is None:
            raise
        return twin
    return user


@transaction.atomic
def change_email(*, user: Any, new_email: str) -> str:
    """Give an account its new, confirmed address (and username, if it was the address); returns the old one.

    The old address is kept as a PastEmail by remember_past_email, which sees
    every save of an account's address, staff edits in the admin included.
    """
    old_email = user.email
    user.email = new_email
    fields = ["email"]
    if user.username == old_email:
        user.username = new_email[:150]
        fields.append("username")
    user.save(update_fields=fields)
    return str(old_email)


def remember_past_email(sender: Any, instance: Any, raw: bool = False, update_fields: Any = None, **_: Any) -> None:
    """pre_save of the user model: before an address is replaced, keep it (see PastEmail)."""
    if raw or instance.pk is None or (update_fields is not None and "email" not in update_fields):
        return
    old = sender.objects.filter(pk=instance.pk).values_list("email", flat=True).first()
    if old and normalise_email(old) != normalise_email(instance.email or ""):
        PastEmail.objects.get_or_create(user_id=instance.pk, email=normalise_email(old))


def emails_of(user: Any) -> set[str]:
    """Every address this account has had, normalised: the current one and each it replaced."""
    current = {normalise_email(user.email)} if user.email else set()
    return current | set(PastEmail.objects.filter(user=user).values_list("email", flat=True))


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
    marked revoked, and reader_access_ended is sent. Returns None when no such
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
        reader_access_ended.send(sender=Grant, user=grant.user, reason=reason)
    return grant


def new_gift_code() -> str:
    raw = "".join(secrets.choice(GIFT_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_gift_code(code: str) -> str:
    raw = "".join(c for c in code.upper() if c.isalnum())
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}" if len(raw) == 12 else code.strip().upper()


@transaction.atomic
def create_gift(
    *, months: int, includes_print: bool = False, purchaser_email: str = "", note: str = "", created_by: Any = None
) -> GiftCode:
    if not 1 <= months <= 60:
        raise AccessError(f"A gift runs 1 to 60 months; got {months}.")
    return GiftCode.objects.create(
        code=new_gift_code(),
        months=months,
        includes_print=includes_print,
        purchaser_email=purchaser_email,
        note=note,
        created_by=created_by,
    )


@transaction.atomic
def redeem_gift(*, user: Any, code: str) -> Grant:
    """Turn a gift code into a Grant for `user`; a code works once.

    The gift starts when the reader's current dated access ends, so a gift to
    someone who already has a comp or gift is added on, not wasted.
    """
    gift = _find_gift(normalise_gift_code(code))
    if gift is None:
        raise AccessError(f"No gift matches the code {code.strip()!r}. Check it against the gift email.")
    if gift.redeemed_at is not None:
        raise AccessError("This gift code has already been redeemed.")
    now = timezone.now()
    # Claimed with a conditional update, not on the strength of the read above: on databases
    # without row locks (SQLite) two simultaneous redemptions both get here; one claims the code.
    claimed = GiftCode.objects.filter(pk=gift.pk, redeemed_at__isnull=True).update(redeemed_by=user, redeemed_at=now)
    if claimed != 1:
        raise AccessError("This gift code has already been redeemed.")
    current = list(Grant.objects.filter(user=user).active(now).values_list("ends_at", flat=True))
    dated = [end for end in current if end is not None]
    starts_at = max(dated) if dated and len(dated) == len(current) else now
    grant = grant_access(
        user=user,
        kind=GrantKind.GIFT,
        reference=gift.code,
        starts_at=starts_at,
        ends_at=add_months(starts_at, gift.months),
        includes_print=gift.includes_print,
        note=f"Gift subscription ({gift.months} months)",
    )
    return grant


def _find_gift(code: str) -> GiftCode | None:
    return GiftCode.objects.select_for_update().filter(code=code).first()


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
