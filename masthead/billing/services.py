"""Billing's writes: subscribe, mirror Stripe, cancel, resume, refund, the guarantee.

Rules that hold throughout:
- Stripe calls happen outside database transactions (a slow network must not
  hold the SQLite write lock), and the rows they imply are written in one
  transaction afterwards. Every write is idempotent: re-running a step after a
  crash or a duplicate webhook changes nothing the first run already did.
- Access is decided from the mirrored Subscription by reconcile_access(), the
  one place that talks to members (through grants.py).
- Emails go out on commit, so a rolled-back write sends nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from wagtail import hooks

from masthead.billing import grants
from masthead.billing.models import Customer, GuaranteeClaim, Payment, Plan, Subscription, format_money
from masthead.billing.provider import InvoiceInfo, PaymentError, PaymentProvider, SubscriptionInfo
from masthead.core.models import MagazineSettings

log = logging.getLogger(__name__)
ENDED_STATUSES = ("canceled", "incomplete_expired", "unpaid")


class BillingError(Exception):
    """A reader-facing refusal: the message says what is wrong and is safe to show."""


def get_provider() -> PaymentProvider:
    from masthead.billing.stripe_client import provider_from_settings

    return provider_from_settings()


# --- plans ------------------------------------------------------------------


def sync_plan(*, plan: Plan, provider: PaymentProvider | None = None) -> Plan:
    """Make sure Stripe has a price with this plan's terms; store its id."""
    provider = provider or get_provider()
    price_id = provider.sync_price(
        name=plan.name,
        amount=plan.amount,
        currency=plan.currency,
        interval=plan.interval,
        existing_id=plan.stripe_price_id,
        metadata={"masthead_plan": plan.slug},
    )
    if price_id != plan.stripe_price_id:
        Plan.objects.filter(pk=plan.pk).update(stripe_price_id=price_id)
        plan.stripe_price_id = price_id
    return plan


# --- subscribing --------------------------------------------------------------


@dataclass(frozen=True)
class Checkout:
    customer: Customer
    setup_intent_id: str
    client_secret: str
    publishable_key: str
    js_url: str


def live_subscription(user: Any) -> Subscription | None:
    return (
        Subscription.objects.filter(customer__user=user, status__in=Subscription.LIVE_STATUSES, refunded_at__isnull=True)
        .select_related("plan", "customer")
        .first()
    )


# Hook: fn(user) -> the URL where this reader must add a postal address before
# a print plan, or None. fulfilment owns addresses and sits beside billing in
# the dependency graph, so it answers through this hook instead of an import.
ADDRESS_NEEDED_HOOK = "masthead_postal_address_needed"


def postal_address_missing(user: Any) -> str | None:
    """For print plans: the URL where the reader adds an address, or None when they have one."""
    for fn in hooks.get_hooks(ADDRESS_NEEDED_HOOK):
        if url := fn(user):
            return str(url)
    return None


def ensure_customer(*, user: Any, provider: PaymentProvider) -> Customer:
    existing = Customer.objects.filter(user=user).first()
    if existing:
        return existing
    stripe_id = provider.create_customer(
        email=user.email,
        name=user.get_full_name() if hasattr(user, "get_full_name") else "",
        metadata={"masthead_user": str(user.pk)},
        # The same user twice (double submit, retry) gets one Stripe customer.
        idempotency_key=f"masthead-customer-{user.pk}",
    )
    try:
        with transaction.atomic():
            return Customer.objects.create(user=user, stripe_id=stripe_id)
    except IntegrityError:
        return Customer.objects.get(user=user)


def _check_can_subscribe(user: Any, plan: Plan) -> None:
    if not plan.active:
        raise BillingError(f"The plan “{plan.name}” is no longer offered.")
    if not plan.stripe_price_id:
        raise BillingError(f"The plan “{plan.name}” is not ready for payments yet (no Stripe price). Please contact us.")
    current = live_subscription(user)
    if current and not current.cancel_at_period_end:
        raise BillingError("You already have an active subscription. Manage it from your account page.")
    if current and current.cancel_at_period_end:
        raise BillingError("Your subscription is set to end; resume it from your account page instead of buying another.")
    if plan.includes_print and postal_address_missing(user):
        raise BillingError("Digital + Print needs a postal address. Please add one before subscribing.")


def start_checkout(*, user: Any, plan: Plan, provider: PaymentProvider | None = None) -> Checkout:
    """Everything the card form needs: card details then go only to Stripe.js."""
    provider = provider or get_provider()
    _check_can_subscribe(user, plan)
    customer = ensure_customer(user=user, provider=provider)
    intent_id, secret = provider.create_setup_intent(customer_id=customer.stripe_id)
    return Checkout(customer, intent_id, secret, provider.publishable_key, provider.js_url)


def complete_subscription(
    *, user: Any, plan: Plan, setup_intent_id: str, provider: PaymentProvider | None = None
) -> Subscription:
    """After Stripe.js confirmed the card: charge the first period and grant access.

    Raises BillingError (reader-facing) or PaymentError (declined: its
    user_message is what the reader sees). Nothing is granted unless Stripe
    says the subscription is paid or trialing.
    """
    provider = provider or get_provider()
    _check_can_subscribe(user, plan)
    customer = Customer.objects.filter(user=user).first()
    if customer is None:
        raise BillingError("Your payment session expired. Please start again.")
    now = timezone.now()
    free = Q(checkout_started_at__isnull=True) | Q(checkout_started_at__lt=now - timedelta(minutes=2))
    if not Customer.objects.filter(free, pk=customer.pk).update(checkout_started_at=now):
        raise BillingError("Your payment is already being processed. Please wait a moment and reload the page.")
    try:
        _check_can_subscribe(user, plan)  # again, now that no other request of this reader is subscribing
        return _create_subscription(customer=customer, user=user, plan=plan, setup_intent_id=setup_intent_id, provider=provider)
    finally:
        Customer.objects.filter(pk=customer.pk, checkout_started_at=now).update(checkout_started_at=None)


def _create_subscription(
    *, customer: Customer, user: Any, plan: Plan, setup_intent_id: str, provider: PaymentProvider
) -> Subscription:
    card = provider.finish_setup(customer_id=customer.stripe_id, setup_intent_id=setup_intent_id)
    Customer.objects.filter(pk=customer.pk).update(
        card_fingerprint=card.fingerprint, card_brand=card.brand, card_last4=card.last4
    )
    info = provider.create_subscription(
        customer_id=customer.stripe_id,
        price_id=plan.stripe_price_id,
        trial_days=plan.trial_days,
        metadata={"masthead_user": str(user.pk), "masthead_plan": plan.slug},
        idempotency_key=f"masthead-subscribe-{customer.pk}-{setup_intent_id}",
    )
    invoice = provider.get_invoice(info.latest_invoice_id) if info.latest_invoice_id else None
    if info.status not in Subscription.LIVE_STATUSES:
        # The first charge failed (Stripe may leave an "incomplete" subscription
        # behind): cancel it so it can never be paid later by surprise.
        info = provider.cancel_now(info.id)
    with transaction.atomic():
        sub = apply_subscription(info)
        if invoice is not None:
            apply_invoice(invoice)
    assert sub is not None  # the customer row exists, so the mirror does too
    sub.refresh_from_db()
    if sub.status not in Subscription.LIVE_STATUSES:
        reason = invoice.failure_message if invoice and invoice.failure_message else "The payment did not go through."
        raise BillingError(f"{reason} No subscription was started; please try another card.")
    return sub


# --- mirroring Stripe ---------------------------------------------------------


def apply_subscription(info: SubscriptionInfo) -> Subscription | None:
    """Make our mirror match Stripe's subscription, then access match the mirror.

    Call inside a transaction with a fresh read from Stripe: because the
    state is copied rather than stepped, events in any order end the same.
    Returns None for customers this site did not create.
    """
    customer = Customer.objects.filter(stripe_id=info.customer_id).select_related("user").first()
    if customer is None:
        log.warning("Stripe subscription %s belongs to unknown customer %s; ignored", info.id, info.customer_id)
        return None
    plan = Plan.objects.filter(stripe_price_id=info.price_id).first() if info.price_id else None
    sub, _ = Subscription.objects.select_for_update().get_or_create(
        stripe_id=info.id, defaults={"customer": customer, "status": info.status, "plan": plan}
    )
    sub.customer = customer
    sub.plan = plan or sub.plan
    sub.status = info.status
    sub.current_period_end = info.current_period_end
    sub.cancel_at_period_end = info.cancel_at_period_end
    sub.started_at = sub.started_at or info.started_at
    if info.status in ENDED_STATUSES:
        sub.ended_at = sub.ended_at or info.canceled_at or timezone.now()
    sub.synced_at = timezone.now()
    sub.save()
    reconcile_access(sub)
    return sub


def apply_invoice(info: InvoiceInfo) -> Payment | None:
    """Record a paid invoice once (the receipt), and the first payment date."""
    if info.status != "paid" or info.amount_paid <= 0 or info.paid_at is None:
        return None
    customer = Customer.objects.filter(stripe_id=info.customer_id).first()
    if customer is None:
        return None
    sub = Subscription.objects.filter(stripe_id=info.subscription_id).first() if info.subscription_id else None
    payment, created = Payment.objects.get_or_create(
        stripe_invoice_id=info.id,
        defaults={
            "customer": customer,
            "subscription": sub,
            "amount": info.amount_paid,
            "currency": info.currency,
            "paid_at": info.paid_at,
            "stripe_charge_id": info.charge_id,
            "stripe_payment_intent_id": info.payment_intent_id,
            "number": info.number,
            "card_fingerprint": info.card.fingerprint if info.card else "",
            "card_brand": info.card.brand if info.card else "",
            "card_last4": info.card.last4 if info.card else "",
        },
    )
    if sub is not None and (sub.first_paid_at is None or info.paid_at < sub.first_paid_at):
        Subscription.objects.filter(pk=sub.pk).update(first_paid_at=info.paid_at)
    if payment.subscription_id is None and sub is not None:
        Payment.objects.filter(pk=payment.pk).update(subscription=sub)
    if created and payment.receipt_sent_at is None:
        Payment.objects.filter(pk=payment.pk).update(receipt_sent_at=timezone.now())
        transaction.on_commit(lambda: _email(customer.user, "receipt", payment=payment, subscription=sub))
    return payment


def reconcile_access(sub: Subscription) -> None:
    """The single rule from a subscription's state to the reader's access."""
    user = sub.customer.user
    live_until = sub.current_period_end + timedelta(hours=settings.BILLING_GRACE_HOURS) if sub.current_period_end else None
    if sub.is_live and live_until is not None and live_until > timezone.now():
        grants.grant(
            user=user,
            subscription_id=sub.stripe_id,
            ends_at=live_until,
            includes_print=bool(sub.plan and sub.plan.includes_print),
            note=f"Stripe subscription, {sub.plan.name if sub.plan else 'unknown plan'}",
        )
        if sub.cancel_at_period_end:
            # Will not renew: access ends with the paid period (no renewal grace),
            # and the account page can say "access until" instead of "renews on".
            grants.end(subscription_id=sub.stripe_id, reason="cancelled", at=sub.current_period_end)
    elif sub.refunded_at is not None:
        grants.end(subscription_id=sub.stripe_id, reason="refunded")
    elif sub.status in ENDED_STATUSES:
        grants.end(subscription_id=sub.stripe_id, reason="expired")


def refresh_subscription(stripe_id: str, *, provider: PaymentProvider | None = None) -> Subscription | None:
    provider = provider or get_provider()
    info = provider.get_subscription(stripe_id)
    with transaction.atomic():
        return apply_subscription(info)


# --- cancel anytime -----------------------------------------------------------


def _own_live_subscription(user: Any) -> Subscription:
    sub = live_subscription(user)
    if sub is None:
        raise BillingError("You have no active subscription.")
    return sub


def cancel_at_period_end(*, user: Any, reason: str = "", provider: PaymentProvider | None = None) -> Subscription:
    """Stop renewing; access continues to the end of the paid period."""
    provider = provider or get_provider()
    sub = _own_live_subscription(user)
    info = provider.set_cancel_at_period_end(sub.stripe_id, True)
    with transaction.atomic():
        mirrored = apply_subscription(info)
        assert mirrored is not None
        Subscription.objects.filter(pk=mirrored.pk).update(cancel_reason=reason.strip()[:2000])
        transaction.on_commit(lambda: _email(user, "cancellation", subscription=mirrored))
    mirrored.refresh_from_db()
    return mirrored


def resume(*, user: Any, provider: PaymentProvider | None = None) -> Subscription:
    """Undo a cancellation before the period ends: renewals continue as before."""
    provider = provider or get_provider()
    sub = _own_live_subscription(user)
    info = provider.set_cancel_at_period_end(sub.stripe_id, False)
    with transaction.atomic():
        mirrored = apply_subscription(info)
        assert mirrored is not None
        Subscription.objects.filter(pk=mirrored.pk).update(cancel_reason="")
    mirrored.refresh_from_db()
    return mirrored


# --- refunds and the 60-day guarantee -----------------------------------------


def _local_date(moment: datetime, customer: Customer) -> date:
    try:
        zone = ZoneInfo(customer.time_zone or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo(settings.TIME_ZONE)
    return timezone.localtime(moment, zone).date()


@dataclass(frozen=True)
class Guarantee:
    eligible: bool
    reason: str
    last_day: date | None = None


def guarantee_status(sub: Subscription, *, now: datetime | None = None) -> Guarantee:
    """Whether the 60-day money-back guarantee applies to this subscription right now.

    Day 0 is the first payment's date in the reader's time zone; day 60 is the
    last day inside, day 61 is out. Once per reader: a previous claim by the
    same email or the same card refuses a new one.
    """
    now = now or timezone.now()
    days = settings.BILLING_GUARANTEE_DAYS
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
    email = (sub.customer.user.email or "").strip().lower()
    fingerprints = {fp for fp in [sub.customer.card_fingerprint, *sub.payments.values_list("card_fingerprint", flat=True)] if fp}
    if (
        GuaranteeClaim.objects.filter(email=email).exists()
        or GuaranteeClaim.objects.filter(card_fingerprint__in=fingerprints).exists()
    ):
        return Guarantee(
            False,
            "The money-back guarantee can be used once per reader, and it has already been used with this email or card.",
            last_day,
        )
    return Guarantee(True, f"You can claim a full refund until {last_day:%B %-d, %Y}.", last_day)


def claim_guarantee(*, user: Any, now: datetime | None = None, provider: PaymentProvider | None = None) -> GuaranteeClaim:
    """Refund in full, cancel now, end access, email: once, however many clicks."""
    provider = provider or get_provider()
    sub = _own_live_subscription(user)
    with transaction.atomic():
        sub = Subscription.objects.select_for_update().select_related("customer__user").get(pk=sub.pk)
        status = guarantee_status(sub, now=now)
        if not status.eligible:
            raise BillingError(status.reason)
        claim = GuaranteeClaim.objects.filter(subscription=sub).first()
        if claim is None:
            fingerprint = sub.customer.card_fingerprint or next(
                (fp for fp in sub.payments.values_list("card_fingerprint", flat=True) if fp), ""
            )
            try:
                with transaction.atomic():
                    claim = GuaranteeClaim.objects.create(
                        subscription=sub, user=user, email=(user.email or "").strip().lower(), card_fingerprint=fingerprint
                    )
            except IntegrityError:
                raise BillingError("The money-back guarantee has already been claimed.") from None
            owned = True
        else:
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
        raise BillingError("Your refund is already being processed.")
    try:
        refunded = _refund_and_end(sub, key=f"guarantee-{claim.pk}", provider=provider)
    except PaymentError as exc:
        GuaranteeClaim.objects.filter(pk=claim.pk).update(status=GuaranteeClaim.FAILED, last_error=str(exc)[:2000])
        raise
    GuaranteeClaim.objects.filter(pk=claim.pk).update(
        status=GuaranteeClaim.REFUNDED, refunded_at=timezone.now(), amount=refunded[0], currency=refunded[1], last_error=""
    )
    claim.refresh_from_db()
    return claim


def staff_refund(*, subscription: Subscription, provider: PaymentProvider | None = None) -> Subscription:
    """Staff action: refund every payment in full, cancel now, end access."""
    provider = provider or get_provider()
    _refund_and_end(subscription, key=f"staff-refund-{subscription.pk}", provider=provider)
    subscription.refresh_from_db()
    return subscription


def _refund_and_end(sub: Subscription, *, key: str, provider: PaymentProvider) -> tuple[int, str]:
    """Refund each unrefunded payment (recording each at once, so a retry skips it), then cancel and revoke."""
    total, currency = 0, ""
    for payment in sub.payments.filter(refunded_at__isnull=True).order_by("paid_at"):
        if not (payment.stripe_charge_id or payment.stripe_payment_intent_id):
            raise PaymentError(f"payment {payment.stripe_invoice_id} has no charge to refund", retryable=False)
        refund = provider.refund(
            charge_id=payment.stripe_charge_id,
            payment_intent_id=payment.stripe_payment_intent_id,
            idempotency_key=f"{key}-{payment.stripe_invoice_id}",
        )
        Payment.objects.filter(pk=payment.pk, refunded_at__isnull=True).update(refunded_at=timezone.now(), refund_id=refund.id)
        total, currency = total + refund.amount, refund.currency or payment.currency
    info = provider.cancel_now(sub.stripe_id)
    with transaction.atomic():
        Subscription.objects.filter(pk=sub.pk, refunded_at__isnull=True).update(refunded_at=timezone.now())
        mirrored = apply_subscription(info)  # refunded_at is set, so this ends access with reason "refunded"
        if mirrored is not None:
            user = mirrored.customer.user
            shown = format_money(total, currency) if currency else ""
            transaction.on_commit(lambda: _email(user, "refund", subscription=mirrored, amount_display=shown))
    return total, currency


# --- email --------------------------------------------------------------------


def _email(user: Any, kind: str, **context: Any) -> None:
    """Receipts, cancellations, refunds: plain text from templates/billing/email/."""
    if not getattr(user, "email", ""):
        return
    context.update(user=user, site_name=MagazineSettings.current().name, site_url=settings.SITE_URL)
    subject = render_to_string(f"billing/email/{kind}_subject.txt", context).strip()
    body = render_to_string(f"billing/email/{kind}.txt", context)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    except OSError:
        # The payment already happened; a mail outage must not undo it. Logged for staff.
        log.exception("could not send %s email to user %s", kind, user.pk)
