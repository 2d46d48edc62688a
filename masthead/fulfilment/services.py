"""Writes and questions about postal addresses; billing asks requires_address before a print checkout."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from masthead.fulfilment.models import ADDRESS_FIELDS, PostalAddress


def address_for(user: Any) -> PostalAddress | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return PostalAddress.objects.filter(user_id=user.pk).first()


def requires_address(user: Any) -> bool:
    """True when this reader must give (or fix) a postal address before buying a plan with print.

    An address saved under older rules is checked again, so a print checkout
    never starts with an address the mailing house would reject.
    """
    address = address_for(user)
    if address is None:
        return True
    try:
        address.full_clean(exclude=["user"])
    except ValidationError:
        return True
    return False


@transaction.atomic
def save_address(*, user: Any, **fields: Any) -> PostalAddress:
    """Create or replace the reader's address; raises ValidationError naming each bad field, writing nothing."""
    unknown = set(fields) - set(ADDRESS_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown address fields: {', '.join(sorted(unknown))}.")
    address = PostalAddress.objects.select_for_update().filter(user_id=user.pk).first() or PostalAddress(user=user)
    for name in ADDRESS_FIELDS:
        setattr(address, name, fields.get(name, "") or "")
    address.full_clean()
    address.save()
    return address
