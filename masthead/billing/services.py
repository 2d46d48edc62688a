"""Billing's writes: plans, subscribing, cancel and resume.

Rules that hold throughout:
- Stripe calls happen outside database transactions (a slow network must not
  hold the SQLite write lock), and the rows they imply are written in one
  transaction afterwards. Every write is idempotent: re-running a step after a
  crash or a duplicate webhook changes nothing the first run already did.
- The mirror of Stripe and the access it implies: mirror.py. Refunds and the
  rules around them (a refund ends the subscription at Stripe, one live
  subscription per reader): refunds.py. The guarantee: guarantee.py.
- Emails go out on commit, so a rolled-back write sends nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from wagtail import hooks

from masthead.billing import emails, mirror, promos, refunds
from masthead.billing.models import Customer, Plan, PromoRedemption, Subscription
from masthead.billing.provider import LIVE_STATUSES, PaymentProvider, SubscriptionInfo

log = logging.getLogger(__name__)


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
    trial_days: int = 0  # 0: no trial for this reader (none on the plan, or they had theirs)

    @property
    def needs_card(self) -> bool:
        return bool(self.client_secret)


def trial_days_for(user: Any, plan: Plan) -> int:
    """The plan's free trial, if this reader has never had one nor any subscription (one trial per reader, ever)."""
    if not plan.trial_days:
        return 0
    if not getattr(user, "is_authenticated", False):
        return int(plan.trial_days)  # what the plans page offers a new reader
    customer = Customer.objects.filter(user=user).first()
    if customer is not None and (customer.trial_used_at is not None or customer.subscriptions.exists()):
        return 0
    return plan.trial_days


def live_subscription(user: Any) -> Subscription | None:
    return Subscription.objects.live().filter(customer__user=user).select_related("plan", "customer").first()


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
    """Everything the card form needs: card details then go only to Stripe.js.

    A trial that asks for no card needs no card form (no SetupIntent).
    """
    provider = provider or get_provider()
    _check_can_subscribe(user, plan)
    customer = ensure_customer(user=user, provider=provider)
    trial = trial_days_for(user, plan)
    if trial and not plan.trial_requires_card:
        return Checkout(customer, "", "", provider.publishable_key, provider.js_url, trial_days=trial)
    intent_id, secret = provider.create_setup_intent(customer_id=customer.stripe_id)
    return Checkout(customer, intent_id, secret, provider.publishable_key, provider.js_url, trial_days=trial)


def start_card_form(*, user: Any, provider: PaymentProvider | None = None) -> Checkout:
    """A card form for a one-off payment (a gift): the customer and a SetupIntent."""
    provider = provider or get_provider()
    customer = ensure_customer(user=user, provider=provider)
    intent_id, secret = provider.create_setup_intent(customer_id=customer.stripe_id)
    return Checkout(customer, intent_id, secret, provider.publishable_key, provider.js_url)


def total_display(payments: list[Any]) -> str:
    if not payments:
        return ""
    from masthead.billing.models import format_money

    return format_money(sum(p.amount for p in payments), payments[0].currency)


def save_billing_details(
    *,
    user: Any,
    billing_name: str,
    billing_address: str,
    billing_country: str,
    tax_id: str,
    provider: PaymentProvider | None = None,
) -> Customer:
    """Stripe first (its invoices carry the name and address), then our row, which receipts copy at each payment."""
    provider = provider or get_provider()
    customer = ensure_customer(user=user, provider=provider)
    provider.update_billing_details(
        customer.stripe_id, name=billing_name, address=billing_address, country=billing_country, tax_id=tax_id
    )
    Customer.objects.filter(pk=customer.pk).update(
        billing_name=billing_name, billing_address=billing_address, billing_country=billing_country, tax_id=tax_id
    )
    customer.refresh_from_db()
    return customer


def complete_subscription(
    *, user: Any, plan: Plan, setup_intent_id: str, code: str = "", provider: PaymentProvider | None = None
) -> Subscription:
    """After Stripe.js confirmed the card (or for a trial without one): start the subscription and grant access.

    Raises BillingError (reader-facing: a refused promo code too) or
    PaymentError (declined: its user_message is what the reader sees).
    Nothing is granted unless Stripe says the subscription is paid or trialing.
    """
    provider = provider or get_provider()
    _check_can_subscribe(user, plan)
    customer = Customer.objects.filter(user=user).first()
    if customer is None:
        raise BillingError("Your payment session expired. Please start again.")
    promo = None
    if code.strip():
        try:
            promo = promos.check_code(code, plan=plan, customer=customer)
        except promos.CodeRefused as exc:
            raise BillingError(str(exc)) from None
    now = timezone.now()
    free = Q(checkout_started_at__isnull=True) | Q(checkout_started_at__lt=now - timedelta(minutes=2))
    if not Customer.objects.filter(free, pk=customer.pk).update(checkout_started_at=now):
        raise BillingError("Your payment is already being processed. Please wait a moment and reload the page.")
    try:
        # Stripe may know a live subscription we have not heard of yet (a lost answer, a webhook
        # on its way, one made in the dashboard): catch up, apply the refund rules, then decide.
        mirror.sync_customer(customer=customer, provider=provider)
        refunds.settle(customer=customer, provider=provider)
        _check_can_subscribe(user, plan)  # again, now that no other request of this reader is subscribing
        redemption = None
        if promo is not None:
            try:
                redemption = promos.reserve(promo=promo, customer=customer, plan=plan)
            except promos.CodeRefused as exc:
                raise BillingError(str(exc)) from None
        try:
            sub = _create_subscription(
                customer=customer,
                user=user,
                plan=plan,
                setup_intent_id=setup_intent_id,
                provider=provider,
                redemption=redemption,
            )
        except BaseException:
            promos.release(redemption)
            raise
        promos.attach(redemption, sub)
        return sub
    finally:
        Customer.objects.filter(pk=customer.pk, checkout_started_at=now).update(checkout_started_at=None)


def _create_subscription(
    *,
    customer: Customer,
    user: Any,
    plan: Plan,
    setup_intent_id: str,
    provider: PaymentProvider,
    redemption: PromoRedemption | None = None,
) -> Subscription:
    trial = trial_days_for(user, plan)
    card_required = not trial or plan.trial_requires_card
    if card_required or setup_intent_id:
        card = provider.finish_setup(customer_id=customer.stripe_id, setup_intent_id=setup_intent_id)
        Customer.objects.filter(pk=customer.pk).update(
            card_fingerprint=card.fingerprint, card_brand=card.brand, card_last4=card.last4
        )
        if (
            trial
            and card.fingerprint
            and (
                Customer.objects.filter(card_fingerprint=card.fingerprint, trial_used_at__isnull=False)
                .exclude(pk=customer.pk)
                .exists()
            )
        ):
            # Refused rather than charged at once: the page promised free days.
            raise BillingError("This card has already been used for a free trial. Nothing was charged.")
    started = timezone.now()
    if trial and not Customer.objects.filter(pk=customer.pk, trial_used_at__isnull=True).update(trial_used_at=started):
        raise BillingError("You have already had a free trial. Nothing was charged; choose the plan again to subscribe.")
    try:
        info = _start_at_stripe(
            customer=customer,
            user=user,
            plan=plan,
            setup_intent_id=setup_intent_id,
            trial=trial,
            card_required=card_required,
            redemption=redemption,
            provider=provider,
        )
    except BaseException:
        Customer.objects.filter(pk=customer.pk, trial_used_at=started).update(trial_used_at=None)  # no trial was had
        raise
    return _mirror_new(info, provider)


def _start_at_stripe(
    *,
    customer: Customer,
    user: Any,
    plan: Plan,
    setup_intent_id: str,
    trial: int,
    card_required: bool,
    redemption: PromoRedemption | None,
    provider: PaymentProvider,
) -> SubscriptionInfo:
    return provider.create_subscription(
        customer_id=customer.stripe_id,
        price_id=plan.stripe_price_id,
        trial_days=trial,
        card_required=card_required,
        metadata={"masthead_user": str(user.pk), "masthead_plan": plan.slug},
        # Without a card there is no SetupIntent: one trial per customer makes the key unique anyway.
        idempotency_key=f"masthead-subscribe-{customer.pk}-{setup_intent_id or 'trial'}",
        discount=promos.discount_of(redemption.promo) if redemption is not None else None,
        tax_rate_ids=promos.active_tax_rate_ids(),
    )


def _mirror_new(info: SubscriptionInfo, provider: PaymentProvider) -> Subscription:
    invoice = provider.get_invoice(info.latest_invoice_id) if info.latest_invoice_id else None
    if info.status not in LIVE_STATUSES:
        # The first charge failed (Stripe may leave an "incomplete" subscription
        # behind): cancel it so it can never be paid later by surprise.
        info = provider.cancel_now(info.id)
    with transaction.atomic():
        sub = mirror.apply_subscription(info)
        if invoice is not None:
            mirror.apply_invoice(invoice)
    assert sub is not None  # the customer row exists, so the mirror does too
    sub.refresh_from_db()
    if sub.status not in LIVE_STATUSES:
        reason = invoice.failure_message if invoice and invoice.failure_message else "The payment did not go through."
        raise BillingError(f"{reason} No subscription was started; please try another card.")
    return sub


# --- cancel anytime -----------------------------------------------------------


def own_live_subscription(user: Any) -> Subscription:
    sub = live_subscription(user)
    if sub is None:
        raise BillingError("You have no active subscription.")
    return sub


def cancel_at_period_end(*, user: Any, reason: str = "", provider: PaymentProvider | None = None) -> Subscription:
    """Stop renewing; access continues to the end of the paid period."""
    provider = provider or get_provider()
    sub = own_live_subscription(user)
    # A double click or a second tab: of the requests that find renewal on, one turns it off (a
    # conditional update, before Stripe is asked) and only that one keeps the reason and emails.
    # Every request still tells Stripe, so the mirror never says "will not renew" when Stripe would.
    first = Subscription.objects.filter(pk=sub.pk, cancel_at_period_end=False).update(cancel_at_period_end=True) == 1
    try:
        info = provider.set_cancel_at_period_end(sub.stripe_id, True)
    except Exception:
        if first:
            Subscription.objects.filter(pk=sub.pk).update(cancel_at_period_end=False)
        raise
    with transaction.atomic():
        mirrored = mirror.apply_subscription(info)
        assert mirrored is not None
        if first:
            Subscription.objects.filter(pk=mirrored.pk).update(cancel_reason=reason.strip()[:2000])
            emails.send_on_commit(user, "cancellation", subscription=mirrored)
    mirrored.refresh_from_db()
    return mirrored


def resume(*, user: Any, provider: PaymentProvider | None = None) -> Subscription:
    """Undo a cancellation before the period ends: renewals continue as before."""
    provider = provider or get_provider()
    sub = own_live_subscription(user)
    info = provider.set_cancel_at_period_end(sub.stripe_id, False)
    with transaction.atomic():
        mirrored = mirror.apply_subscription(info)
        assert mirrored is not None
        Subscription.objects.filter(pk=mirrored.pk).update(cancel_reason="")
    mirrored.refresh_from_db()
    return mirrored
