"""Billing's only door into access: access.services.

billing never writes access rows itself; it tells access that a paid
subscription grants access until a date, or that it ended (and why, so a
refund can revoke feed tokens and downloads through access_ended).
Imported lazily so billing's models and migrations load on their own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

KIND = "subscription"


def grant(*, user: Any, subscription_id: str, ends_at: datetime, includes_print: bool, note: str = "") -> Any:
    from masthead.access import services

    return services.grant_access(
        user=user, kind=KIND, reference=subscription_id, ends_at=ends_at, includes_print=includes_print, note=note
    )


def end(*, subscription_id: str, reason: str, at: datetime | None = None) -> Any:
    from masthead.access import services

    return services.end_access(kind=KIND, reference=subscription_id, at=at, reason=reason)
