"""Who gets the print edition: the list staff see and the mailing house receives.

Print entitlement is members' answer (a grant in force that includes print);
this module only joins it with addresses. A list is taken at a moment (now by
default): grants keep their history, so passing a past moment reproduces who
was due an old issue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from masthead.fulfilment.models import PostalAddress


@dataclass(frozen=True)
class Recipient:
    user_id: int
    email: str
    plan: str
    address: PostalAddress | None

    @property
    def missing_address(self) -> bool:
        return self.address is None


@dataclass(frozen=True)
class Mailing:
    issue_label: str
    taken_at: datetime
    recipients: list[Recipient] = field(default_factory=list)

    @property
    def addressed(self) -> list[Recipient]:
        return [r for r in self.recipients if r.address is not None]

    @property
    def missing(self) -> list[Recipient]:
        return [r for r in self.recipients if r.address is None]


def print_recipients(*, at: datetime | None = None) -> list[Recipient]:
    """Every reader whose access includes print at `at` (now), with their address if they gave one.

    One query for the grants and one for the addresses, however many readers.
    """
    from masthead.access.models import Grant

    at = at or timezone.now()
    grants = (
        Grant.objects.active(at).filter(includes_print=True).order_by("user_id", "-starts_at").values("user_id", "note", "kind")
    )
    plans: dict[int, str] = {}
    for grant in grants:
        plans.setdefault(grant["user_id"], grant["note"] or grant["kind"])
    users = get_user_model().objects.filter(pk__in=plans).order_by("last_name", "first_name", "email")
    addresses = {a.user_id: a for a in PostalAddress.objects.filter(user_id__in=plans)}
    return [Recipient(user_id=u.pk, email=u.email, plan=plans[u.pk], address=addresses.get(u.pk)) for u in users]


def mailing_for_issue(issue: Any, *, at: datetime | None = None) -> Mailing:
    at = at or timezone.now()
    label = f"Vol. {issue.volume} No. {issue.number} ({issue.cover_date:%B %-d, %Y})"
    return Mailing(issue_label=label, taken_at=at, recipients=print_recipients(at=at))


def current_mailing() -> Mailing:
    at = timezone.now()
    return Mailing(issue_label=f"Print list {at:%Y-%m-%d}", taken_at=at, recipients=print_recipients(at=at))
