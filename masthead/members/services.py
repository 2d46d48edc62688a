"""Accounts and gifts: keyword-only and atomic.

Access itself (grants, comps, ending access) is written by masthead.access.services;
a redeemed gift becomes a grant there.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from masthead.access.models import Grant, GrantKind
from masthead.access.services import AccessError, add_months, grant_access
from masthead.members.models import GiftCode, PastEmail, Profile
from masthead.members.tokens import normalise_email

__all__ = [
    "create_reader",
    "change_email",
    "emails_of",
    "create_gift",
    "redeem_gift",
    "new_gift_code",
    "normalise_gift_code",
]

# Gift codes: no 0/O, 1/I/L, so a code read aloud or off paper types correctly.
GIFT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def create_reader(*, email: str, display_name: str = "", joined_at: datetime | None = None) -> Any:
    """A new reader account for this address: a username made from it, no usable password (readers sign
    in by link and may set one later), a Profile. If another request created the account at the same
    moment, that one is returned. Every way in (sign-up, staff comps, CSV import) creates readers here."""
    User = get_user_model()
    username = email[:150]
    if User.objects.filter(username=username).exists():
        username = f"{email[:130]}-{secrets.token_hex(4)}"
    extra: dict[str, Any] = {"date_joined": joined_at} if joined_at else {}
    try:
        with transaction.atomic():
            user = User.objects.create_user(username=username, email=email, **extra)  # no password: unusable
            Profile.objects.get_or_create(user=user, defaults={"display_name": display_name})
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
