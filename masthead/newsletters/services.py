"""Every write about who receives which newsletter: keyword-only and atomic.

Readers choose at sign-up (pending until the address is confirmed: double
opt-in), on the account page and on the preferences page; one-click
unsubscribe and provider events take them off. All of it is idempotent: a
mail client that POSTs the unsubscribe twice, or a provider that repeats a
webhook, changes nothing the second time.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from masthead.access import entitlements
from masthead.newsletters.models import (
    Audience,
    Newsletter,
    Send,
    Subscriber,
    Subscription,
    SubscriptionStatus,
    Suppression,
)


class NewsletterError(ValueError):
    """A request about newsletters that cannot be honoured; the message says why."""


class ImportRejected(NewsletterError):
    """An import file with bad lines; nothing was imported. `problems` lists each as 'line N: why'."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = "; ".join(problems[:10]) + (f"; and {len(problems) - 10} more" if len(problems) > 10 else "")
        super().__init__(f"Nothing imported: {shown}")


def normalise(email: str) -> str:
    return email.strip().lower()


def may_receive(user: Any, newsletter: Newsletter) -> bool:
    """Whether this reader belongs to the newsletter's audience (None: an address without an account)."""
    if newsletter.audience == Audience.EVERYONE:
        return True
    if user is None or not getattr(user, "is_active", False):
        return False
    if newsletter.audience == Audience.MEMBERS:
        return True
    return entitlements.is_subscriber(user)


def offered_to(user: Any) -> list[Newsletter]:
    """The newsletters a reader may choose: active ones whose audience includes them."""
    return [n for n in Newsletter.objects.filter(active=True) if may_receive(user, n)]


def _subscriber(email: str, user: Any = None) -> Subscriber:
    email = normalise(email)
    found = Subscriber.objects.filter(user=user).first() if user is not None else None
    found = found or Subscriber.objects.filter(email=email).first()
    if found is None:
        try:
            with transaction.atomic():
                return Subscriber.objects.create(email=email, user=user)
        except IntegrityError:  # created by a concurrent request for the same address
            found = Subscriber.objects.get(email=email)
    if user is not None and found.user_id is None and not Subscriber.objects.filter(user=user).exists():
        found.user = user
        found.save(update_fields=["user"])
    return found


def subscriber_for_user(user: Any) -> Subscriber | None:
    return Subscriber.objects.filter(user=user).first()


@transaction.atomic
def request_at_sign_up(*, email: str, newsletter_ids: Iterable[int]) -> int:
    """Choices made on the sign-up form: pending until the reader follows the emailed link.

    Nothing is sent to the address before then, so typing someone else's
    address subscribes them to nothing. Returns how many choices were recorded.
    """
    chosen = [n for n in Newsletter.objects.filter(pk__in=list(newsletter_ids), active=True) if n.audience == Audience.EVERYONE]
    if not chosen:
        return 0
    subscriber = _subscriber(email)
    status = SubscriptionStatus.ACTIVE if subscriber.confirmed_at else SubscriptionStatus.PENDING
    for newsletter in chosen:
        subscription, created = Subscription.objects.get_or_create(
            subscriber=subscriber, newsletter=newsletter, defaults={"status": status, "source": "signup"}
        )
        # An earlier unsubscribe is the reader's word; only a confirmed address turns it back on (below).
        if not created and subscription.status == SubscriptionStatus.UNSUBSCRIBED:
            subscription.status, subscription.source = SubscriptionStatus.PENDING, "signup"
            subscription.save(update_fields=["status", "source", "updated"])
    return len(chosen)


@transaction.atomic
def confirm_address(*, user: Any, email: str) -> Subscriber:
    """The reader proved they read `email` (a sign-in link, a confirmed email change): pending choices start."""
    email = normalise(email)
    subscriber = Subscriber.objects.select_for_update().filter(user=user).first()
    if subscriber is not None and subscriber.email != email:
        # The account's address changed: the newsletters follow the account, unless the new address
        # has its own subscriber row (from a sign-up), whose pending choices are merged in.
        other = Subscriber.objects.filter(email=email).exclude(pk=subscriber.pk).first()
        if other is not None:
            for subscription in other.subscriptions.all():
                Subscription.objects.get_or_create(
                    subscriber=subscriber,
                    newsletter=subscription.newsletter,
                    defaults={"status": subscription.status, "source": subscription.source},
                )
            other.delete()
        subscriber.email = email
        subscriber.save(update_fields=["email"])
    if subscriber is None:
        subscriber = _subscriber(email, user)
    if subscriber.user_id is None:
        subscriber.user = user
    subscriber.confirmed_at = subscriber.confirmed_at or timezone.now()
    subscriber.save(update_fields=["user", "confirmed_at"])
    subscriber.subscriptions.filter(status=SubscriptionStatus.PENDING).update(
        status=SubscriptionStatus.ACTIVE, updated=timezone.now()
    )
    return subscriber


@transaction.atomic
def set_choices(*, subscriber: Subscriber, newsletter_ids: Iterable[int], source: str, user: Any = None) -> list[str]:
    """Exactly these newsletters (of those offered to the reader) on, the others off. Returns the names now on."""
    wanted = set(newsletter_ids)
    now = timezone.now()
    on = []
    for newsletter in offered_to(user if user is not None else subscriber.user):
        current = Subscription.objects.filter(subscriber=subscriber, newsletter=newsletter).first()
        if newsletter.pk in wanted:
            status = SubscriptionStatus.ACTIVE if subscriber.confirmed_at else SubscriptionStatus.PENDING
            if current is None:
                Subscription.objects.create(subscriber=subscriber, newsletter=newsletter, status=status, source=source)
            elif current.status != status:
                current.status, current.source, current.unsubscribed_at = status, source, None
                current.save(update_fields=["status", "source", "unsubscribed_at", "updated"])
            on.append(newsletter.name)
        elif current is not None and current.status != SubscriptionStatus.UNSUBSCRIBED:
            current.status, current.unsubscribed_at = SubscriptionStatus.UNSUBSCRIBED, now
            current.save(update_fields=["status", "unsubscribed_at", "updated"])
    return on


@dataclass(frozen=True)
class Unsubscribed:
    email: str
    newsletter: str
    changed: bool


@transaction.atomic
def unsubscribe(*, subscriber_id: int, newsletter_id: int, send: Send | None = None) -> Unsubscribed:
    """Take this address off this newsletter. Safe to repeat: the second call changes nothing."""
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    newsletter = Newsletter.objects.filter(pk=newsletter_id).first()
    if subscriber is None or newsletter is None:
        # A deleted address or newsletter receives nothing anyway.
        return Unsubscribed(email="", newsletter=newsletter.name if newsletter else "", changed=False)
    changed = (
        Subscription.objects.filter(subscriber=subscriber, newsletter=newsletter)
        .exclude(status=SubscriptionStatus.UNSUBSCRIBED)
        .update(
            status=SubscriptionStatus.UNSUBSCRIBED, unsubscribed_at=timezone.now(), unsubscribed_from=send, updated=timezone.now()
        )
    )
    return Unsubscribed(email=subscriber.email, newsletter=newsletter.name, changed=bool(changed))


@transaction.atomic
def unsubscribe_everything(*, subscriber: Subscriber) -> int:
    now = timezone.now()
    return subscriber.subscriptions.exclude(status=SubscriptionStatus.UNSUBSCRIBED).update(
        status=SubscriptionStatus.UNSUBSCRIBED, unsubscribed_at=now, updated=now
    )


@transaction.atomic
def suppress(*, email: str, reason: str, detail: str = "") -> Suppression:
    """No newsletter goes to this address again (the first reason recorded stays)."""
    suppression, _ = Suppression.objects.get_or_create(
        email=normalise(email), defaults={"reason": reason, "detail": detail[:500]}
    )
    return suppression


def is_suppressed(email: str) -> bool:
    return Suppression.objects.filter(email=normalise(email)).exists()


_DOT_ATOM = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")


def mailable(email: str) -> str:
    """Why a newsletter cannot go to this address as it stands, or "".

    Django's validator accepts what RFC 5322 allows; a list wants less: a quoted local part
    ("a,b"@…) cannot be told apart from two addresses in some mail programs, an IP literal is no
    mailbox a reader gives, and a non-ASCII local part needs SMTPUTF8, which few servers offer.
    An international domain is fine: it goes out as punycode.
    """
    try:
        validate_email(email)
    except ValidationError:
        return "is not an email address"
    local, _, domain = email.rpartition("@")
    if not _DOT_ATOM.match(local):
        return "has a quoted or non-ASCII name before the @, which mail servers do not all take"
    if domain.startswith("["):
        return "names an IP address instead of a domain"
    return ""


def parse_import(text: str) -> list[tuple[str, str]]:
    """(email, name) pairs from a CSV (a header row with an 'email' column) or one address per line.

    Every line is checked before anything is written: a malformed address is
    named with its line number and nothing is imported.
    """
    lines = text.splitlines()
    first = lines[0].lower() if lines else ""
    problems: list[str] = []
    rows: list[tuple[int, str, str]] = []
    if "email" in [cell.strip() for cell in first.split(",")]:
        reader = csv.DictReader(io.StringIO(text))
        fields = {name.strip().lower(): name for name in reader.fieldnames or []}
        for number, row in enumerate(reader, start=2):
            rows.append((number, (row.get(fields["email"]) or "").strip(), (row.get(fields.get("name", ""), "") or "").strip()))
    else:
        rows = [(number, line.strip(), "") for number, line in enumerate(lines, start=1)]
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    for number, email, name in rows:
        if not email:
            continue
        why = mailable(email)
        if why:
            problems.append(f"line {number}: {email[:80]!r} {why}")
            continue
        key = normalise(email)
        if key not in seen:
            seen.add(key)
            found.append((key, name))
    if problems:
        raise ImportRejected(problems)
    if not found:
        raise ImportRejected(["the file has no email addresses"])
    return found


@transaction.atomic
def import_subscribers(*, newsletter: Newsletter, text: str) -> dict[str, int]:
    """Subscribe every address in the file (consent is the publisher's, from their old list).

    All or nothing: a bad line raises ImportRejected before any row is written.
    Suppressed and unsubscribed addresses are counted and left alone.
    """
    if newsletter.audience != Audience.EVERYONE:
        raise NewsletterError(
            f"{newsletter.name} goes only to {newsletter.get_audience_display().lower()}: import into a newsletter for everyone."
        )
    pairs = parse_import(text)
    counts = {"added": 0, "already": 0, "unsubscribed": 0, "suppressed": 0}
    suppressed = set(Suppression.objects.filter(email__in=[e for e, _ in pairs]).values_list("email", flat=True))
    now = timezone.now()
    for email, _name in pairs:
        if email in suppressed:
            counts["suppressed"] += 1
            continue
        subscriber = _subscriber(email)
        if subscriber.confirmed_at is None:
            subscriber.confirmed_at = now
            subscriber.save(update_fields=["confirmed_at"])
        subscription, created = Subscription.objects.get_or_create(
            subscriber=subscriber, newsletter=newsletter, defaults={"status": SubscriptionStatus.ACTIVE, "source": "import"}
        )
        if created:
            counts["added"] += 1
        elif subscription.status == SubscriptionStatus.UNSUBSCRIBED:
            counts["unsubscribed"] += 1  # the reader's own choice outranks an old list
        else:
            if subscription.status == SubscriptionStatus.PENDING:
                subscription.status = SubscriptionStatus.ACTIVE
                subscription.save(update_fields=["status", "updated"])
            counts["already"] += 1
    return counts


def choices_of(subscriber: Subscriber | None) -> dict[int, str]:
    """newsletter pk → subscription status for this address."""
    if subscriber is None:
        return {}
    return dict(subscriber.subscriptions.values_list("newsletter_id", "status"))


def default_choices(newsletters: Sequence[Newsletter]) -> list[int]:
    return [n.pk for n in newsletters if n.default_on_signup]
