"""The money-back guarantee: a full refund on request, once per person.

How many days it runs is the publisher's term, set once in the admin
(MagazineSettings.guarantee_days, 0 = none): guarantee_days() is how every page,
email and this rule read it.

"Person" is everything that ties a claim to one reader: the account, its
Stripe customer, every address the account has had (members keeps past ones)
and every card that paid on any of its subscriptions, plus the card on file.
A claim writes all of them as GuaranteeClaimKey rows in the transaction that
creates it; (kind, value) is unique, so the database refuses a second claim
sharing any of them, even one made at the same instant from another account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import reduce
from operator import or_
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from masthead.billing import refunds, services
from masthead.billing.models import Customer, GuaranteeClaim, GuaranteeClaimKey, Payment, Subscription
from masthead.billing.provider import PaymentError, PaymentProvider
from masthead.core.models import MagazineSettings

ONCE_PER_PERSON = (
    "The money-back guarantee can be used once per reader, and it has already been used by this account, "
    "an email address it has had, or a card it has paid with."
)
Key = tuple[str, str]


@dataclass(frozen=True)
class Guarantee:
    eligible: bool
    reason: str
    last_day: date | None = None


def guarantee_days() -> int:
    return int(MagazineSettings.current().guarantee_days)


def user_keys(user: Any) -> set[Key]:
    """What marks a reader before they have paid: the account, its Stripe customer, every address it has had."""
    from masthead.members.services import emails_of

    keys = {(GuaranteeClaimKey.USER, str(user.pk))}
    keys |= {(GuaranteeClaimKey.EMAIL, email) for email in emails_of(user)}
    customer = Customer.objects.filter(user=user).first()
    if customer is not None:
        keys |= person_keys(customer)
    return keys


def offered_to(user: Any) -> Guarantee:
    """Before payment: does the guarantee apply to a subscription this reader is about to buy?

    Checks what we know of them now (account, addresses, Stripe customer, cards
    that paid before). A card never seen here is checked when they claim; the
    checkout says so, so no receipt promises a refund that will be refused.
    """
    days = guarantee_days()
    if days <= 0:
        return Guarantee(False, "")
    if user.is_authenticated and _used(user_keys(user)):
        return Guarantee(False, ONCE_PER_PERSON)
    return Guarantee(True, f"{days}-day money-back guarantee: a full refund if you ask within {days} days of your first payment.")


def person_keys(customer: Customer) -> set[Key]:
    from masthead.members.services import emails_of

    user = customer.user
    cards = set(Payment.objects.filter(customer=customer).values_list("card_fingerprint", flat=True))
    cards.add(customer.card_fingerprint)
    keys = {(GuaranteeClaimKey.USER, str(user.pk)), (GuaranteeClaimKey.CUSTOMER, customer.stripe_id)}
    keys |= {(GuaranteeClaimKey.EMAIL, email) for email in emails_of(user)}
    keys |= {(GuaranteeClaimKey.CARD, fingerprint) for fingerprint in cards if fingerprint}
    return keys


def _used(keys: set[Key]) -> bool:
    return bool(keys) and GuaranteeClaimKey.objects.filter(reduce(or_, (Q(kind=k, value=v) for k, v in keys))).exists()


def _local_date(moment: datetime, customer: Customer) -> date:
    try:
        zone = ZoneInfo(customer.time_zone or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo(settings.TIME_ZONE)
    return timezone.localtime(moment, zone).date()


def guarantee_status(sub: Subscription, *, now: datetime | None = None) -> Guarantee:
    """Whether the guarantee applies to this subscription right now.

    Day 0 is the first payment's date in the reader's time zone; day 60 is the
    last day inside, day 61 is out. Once per person (see the module).
    """
    now = now or timezone.now()
    days = guarantee_days()
    if days <= 0:
        return Guarantee(False, "")
    if sub.first_paid_at is None:
        return Guarantee(False, "No payment has been made on this subscription yet.")
    last_day = _local_date(sub.first_paid_at, sub.customer) + timedelta(days=days)
    claim = GuaranteeClaim.objects.filter(subscription=sub).first()
    if sub.refunded_at is not None or (claim and claim.status == GuaranteeClaim.REFUNDED):
        return Guarantee(False, "This subscription has already been refunded.", last_day)
    if claim is not None:  # pending or failed: the same claim may be retried
        return Guarantee(True, "Your refund is being processed.", last_day)
    if _local_date(now, sub.customer) > last_day:
        return Guarantee(False, f"The {days}-day money-back guarantee ended on {last_day:%B %-d, %Y}.", last_day)
    if _used(person_keys(sub.customer)):
        return Guarantee(False, ONCE_PER_PERSON, last_day)
    return Guarantee(True, f"You can claim a full refund until {last_day:%B %-d, %Y}.", last_day)


def _hold_keys(claim: GuaranteeClaim, keys: set[Key]) -> None:
    """Write the keys this claim does not hold yet; BillingError if another claim holds one."""
    held = set(claim.keys.values_list("kind", "value"))
    try:
        with transaction.atomic():
            GuaranteeClaimKey.objects.bulk_create(
                [GuaranteeClaimKey(claim=claim, kind=k, value=v) for k, v in sorted(keys - held)]
            )
    except IntegrityError:
        raise services.BillingError(ONCE_PER_PERSON) from None


def claim_guarantee(*, user: Any, now: datetime | None = None, provider: PaymentProvider | None = None) -> GuaranteeClaim:
    """Refund in full, cancel now, end access, email: once per person, however many clicks."""
    provider = provider or services.get_provider()
    sub = services.own_live_subscription(user)
    with transaction.atomic():
        sub = Subscription.objects.select_for_update().select_related("customer__user").get(pk=sub.pk)
        status = guarantee_status(sub, now=now)
        if not status.eligible:
            raise services.BillingError(status.reason)
        claim = GuaranteeClaim.objects.filter(subscription=sub).first()
        if claim is None:
            try:
                with transaction.atomic():
                    claim = GuaranteeClaim.objects.create(
                        subscription=sub,
                        user=user,
                        email=(sub.customer.user.email or "").strip().lower(),
                        card_fingerprint=sub.customer.card_fingerprint,
                    )
            except IntegrityError:  # a concurrent click created it
                raise services.BillingError("Your refund is already being processed.") from None
            _hold_keys(claim, person_keys(sub.customer))
            owned = True
        else:
            _hold_keys(claim, person_keys(sub.customer))  # a retry also uses up what was learnt since
            # Only a failed claim (or one stuck mid-way for 10 minutes) may be
            # taken over; a pending one belongs to the click still running.
            stale = timezone.now() - timedelta(minutes=10)
            owned = bool(
                GuaranteeClaim.objects.filter(pk=claim.pk, status=GuaranteeClaim.FAILED).update(status=GuaranteeClaim.PENDING)
                or GuaranteeClaim.objects.filter(pk=claim.pk, status=GuaranteeClaim.PENDING, created_at__lt=stale).update(
                    created_at=timezone.now()
                )
            )
    if not owned:
        raise services.BillingError("Your refund is already being processed.")
    try:
        refunded = refunds.refund_and_end(sub, key=f"guarantee-{claim.pk}", provider=provider, guarantee=True)
    except PaymentError as exc:
        GuaranteeClaim.objects.filter(pk=claim.pk).update(status=GuaranteeClaim.FAILED, last_error=str(exc)[:2000])
        raise
    GuaranteeClaim.objects.filter(pk=claim.pk).update(
        status=GuaranteeClaim.REFUNDED, refunded_at=timezone.now(), amount=refunded[0], currency=refunded[1], last_error=""
    )
    claim.refresh_from_db()
    return claim
