"""Who may download an issue's files. The one question every edition surface asks.

Readers: the digital edition comes with every subscription (and staff read
everything). Today the answer is newsroom.access.is_subscriber, the members
app's entitlement; after the access move it is access.entitlements.has_digital_edition.
The printer's files (print interior and cover) are for staff only.
"""

from __future__ import annotations

from typing import Any

from masthead.editions.models import READER_KINDS, Kind
from masthead.newsroom import access


def is_staff(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_staff", False))


def has_digital_edition(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    return is_staff(user) or access.is_subscriber(user)


def may_download(user: Any, kind: str) -> bool:
    if kind in READER_KINDS:
        return has_digital_edition(user)
    if kind in (Kind.PRINT, Kind.PRINT_COVER):
        return is_staff(user)
    return False
