"""Who may download an issue's files. The one question every edition surface asks.

Readers: the digital edition comes with every subscription (and staff read
everything): access.entitlements.has_digital_edition answers. The printer's
files (print interior and cover) are for staff only.
"""

from __future__ import annotations

from typing import Any

from masthead.access import entitlements
from masthead.editions.models import READER_KINDS, Kind


def is_staff(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_staff", False))


def has_digital_edition(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    return is_staff(user) or entitlements.has_digital_edition(user)


def may_download(user: Any, kind: str) -> bool:
    if kind in READER_KINDS:
        return has_digital_edition(user)
    if kind in (Kind.PRINT, Kind.PRINT_COVER):
        return is_staff(user)
    return False
