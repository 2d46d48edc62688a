"""The staff's view of readers: who is a subscriber, comp, gift, lapsed, refunded or print, in one query.

Statuses are computed from Grant rows (the only record of access) with
EXISTS subqueries, so a page of 50 readers with every flag costs one query.
"Lapsed" means: had access once, has none now, and was not refunded
(a refunded reader is listed as refunded instead).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from masthead.access.models import Grant, GrantKind

FILTERS = {
    "subscriber": "Paying subscribers",
    "comp": "Complimentary",
    "gift": "Gift",
    "print": "Print edition",
    "lapsed": "Lapsed",
    "refunded": "Refunded",
    "free": "Free members",
}


def readers(*, at: datetime | None = None) -> QuerySet[Any]:
    """Every reader account (staff excluded) annotated with is_subscription/is_comp/is_gift/is_print/has_access/ever/refunded."""
    at = at or timezone.now()
    mine = Grant.objects.filter(user_id=OuterRef("pk"))
    active = mine.active(at)
    return (
        get_user_model()
        .objects.filter(is_staff=False)
        .select_related("profile")
        .annotate(
            is_subscription=Exists(active.filter(kind=GrantKind.SUBSCRIPTION)),
            is_comp=Exists(active.filter(kind=GrantKind.COMP)),
            is_gift=Exists(active.filter(kind=GrantKind.GIFT)),
            is_print=Exists(active.filter(includes_print=True)),
            has_access=Exists(active),
            ever=Exists(mine),
            refunded=Exists(mine.filter(revoke_reason="refunded")),
        )
        .order_by("-date_joined", "-pk")
    )


def search(rows: QuerySet[Any], query: str) -> QuerySet[Any]:
    query = query.strip()
    if not query:
        return rows
    condition = Q(email__icontains=query) | Q(profile__display_name__icontains=query) | Q(username__icontains=query)
    for word in query.split():
        condition |= Q(first_name__icontains=word) | Q(last_name__icontains=word)
    return rows.filter(condition)


def apply_filter(rows: QuerySet[Any], name: str) -> QuerySet[Any]:
    """Narrow to one of FILTERS; an unknown name raises ValueError naming the choices."""
    if not name:
        return rows
    match name:
        case "subscriber":
            return rows.filter(is_subscription=True)
        case "comp":
            return rows.filter(is_comp=True)
        case "gift":
            return rows.filter(is_gift=True)
        case "print":
            return rows.filter(is_print=True)
        case "lapsed":
            return rows.filter(ever=True, has_access=False, refunded=False)
        case "refunded":
            return rows.filter(refunded=True, has_access=False)
        case "free":
            return rows.filter(ever=False)
    raise ValueError(f"Unknown filter {name!r}; use one of {', '.join(FILTERS)}.")


def status(row: Any) -> str:
    """One word for the list's status column, from the annotations of readers()."""
    if row.is_subscription:
        return "Subscriber"
    if row.is_comp:
        return "Comp"
    if row.is_gift:
        return "Gift"
    if row.refunded:
        return "Refunded"
    if row.ever:
        return "Lapsed"
    return "Free"


def display_name(user: Any) -> str:
    try:
        name = user.profile.display_name
    except ObjectDoesNotExist:  # a reader who never got a Profile row
        name = ""
    return name or user.get_full_name()
