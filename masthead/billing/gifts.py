"""Buying a gift subscription: pay once for N months, get a code to give (members redeems it).

The buyer confirms a card with Stripe.js (a SetupIntent, as for subscribing:
3-D Secure happens there), then we charge it once with a PaymentIntent whose
metadata names the purchase. The purchase becomes a gift code exactly once,
whichever comes first: our own request after the charge, or Stripe's
``payment_intent.succeeded`` webhook (verified, stored, processed once; the
handler re-reads the PaymentIntent from Stripe, so a forged event changes
nothing). One confirmed card pays for one purchase: resubmitting the form,
a second tab or a retry finds the same purchase instead of charging again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from masthead.billing import emails, services
from masthead.billing.models import Customer, GiftPurchase, Plan, format_money
from masthead.billing.provider import PaymentError, PaymentIntentInfo, PaymentProvider

METADATA_KEY = "masthead_gift"
MONTHLY_CHOICES = (3, 6, 12)


@dataclass(frozen=True)
class GiftOption:
    plan: Plan
    months: int
    amount: int

    @property
    def key(self) -> str:
        return f"{self.plan.slug}:{self.months}"

    @property
    def label(self) -> str:
        months = "1 year" if self.months == 12 else f"{self.months} months"
        return f"{self.plan.name}: {months} for {format_money(self.amount, self.plan.currency)}"


def options() -> list[GiftOption]:
    """What can be given: a yearly plan for a year, a monthly plan for 3, 6 or 12 months, at the plan's price."""
    found = []
    for plan in Plan.objects.filter(active=True).exclude(stripe_price_id=""):
        if plan.interval == Plan.YEAR:
            found.append(GiftOption(plan, 12, plan.amount))
        else:
            found.extend(GiftOption(plan, months, plan.amount * months) for months in MONTHLY_CHOICES)
    return found


def option_for(key: str) -> GiftOption:
    for option in options():
        if option.key == key:
            return option
    raise services.BillingError("Please choose one of the gifts on offer.")


def buy_gift(
    *,
    user: Any,
    option: GiftOption,
    setup_intent_id: str,
    recipient_email: str = "",
    message: str = "",
    provider: PaymentProvider | None = None,
) -> GiftPurchase:
    """Charge once and turn the payment into a gift code; PaymentError if the card is declined."""
    provider = provider or services.get_provider()
    if not setup_intent_id:
        raise services.BillingError("Please enter your card details.")
    customer = Customer.objects.filter(user=user).first()
    if customer is None:
        raise services.BillingError("Your payment session expired. Please start again.")
    existing = GiftPurchase.objects.filter(setup_intent_id=setup_intent_id).first()
    if existing is not None:
        return _same_purchase(existing, user)
    now = timezone.now()
    free = Q(checkout_started_at__isnull=True) | Q(checkout_started_at__lt=now - timedelta(minutes=2))
    if not Customer.objects.filter(free, pk=customer.pk).update(checkout_started_at=now):
        raise services.BillingError("Your payment is already being processed. Please wait a moment and reload the page.")
    try:
        card = provider.finish_setup(customer_id=customer.stripe_id, setup_intent_id=setup_intent_id)
        try:
            with transaction.atomic():
                purchase = GiftPurchase.objects.create(
                    buyer=user,
                    plan=option.plan,
                    months=option.months,
                    amount=option.amount,
                    currency=option.plan.currency,
                    recipient_email=recipient_email.strip(),
                    message=message.strip()[:1000],
                    setup_intent_id=setup_intent_id,
                )
        except IntegrityError:
            return _same_purchase(GiftPurchase.objects.get(setup_intent_id=setup_intent_id), user)
        if not customer.card_fingerprint:
            Customer.objects.filter(pk=customer.pk).update(
                card_fingerprint=card.fingerprint, card_brand=card.brand, card_last4=card.last4
            )
        try:
            intent = provider.charge_once(
                customer_id=customer.stripe_id,
                amount=purchase.amount,
                currency=purchase.currency,
                metadata={METADATA_KEY: str(purchase.pk)},
                idempotency_key=f"masthead-gift-{purchase.pk}",
            )
        except PaymentError as exc:
            GiftPurchase.objects.filter(pk=purchase.pk, status=GiftPurchase.PENDING).update(
                status=GiftPurchase.FAILED, last_error=str(exc)[:2000]
            )
            raise
        fulfil(intent)
        purchase.refresh_from_db()
        if purchase.status != GiftPurchase.PAID:
            raise services.BillingError("Your payment did not go through. Nothing was charged; please try another card.")
        return purchase
    finally:
        Customer.objects.filter(pk=customer.pk, checkout_started_at=now).update(checkout_started_at=None)


def _same_purchase(purchase: GiftPurchase, user: Any) -> GiftPurchase:
    if purchase.buyer_id != user.pk:
        raise services.BillingError("Your payment session expired. Please start again.")
    if purchase.status == GiftPurchase.FAILED:
        raise services.BillingError("That payment did not go through. Please enter your card again.")
    return purchase


def fulfil(intent: PaymentIntentInfo) -> GiftPurchase | None:
    """A succeeded PaymentIntent of a gift → its code, once; anything else changes nothing."""
    pk = intent.metadata.get(METADATA_KEY, "")
    if not pk.isdigit():
        return None
    purchase = GiftPurchase.objects.filter(pk=int(pk)).select_related("buyer", "plan").first()
    if purchase is None or intent.status != "succeeded":
        return purchase
    buyer_customer = Customer.objects.filter(user=purchase.buyer).values_list("stripe_id", flat=True).first()
    if (intent.amount, intent.currency.lower(), intent.customer_id) != (purchase.amount, purchase.currency, buyer_customer):
        # Not what this purchase asked for: never turn someone else's payment into a gift.
        return purchase
    from masthead.members.services import create_gift

    with transaction.atomic():
        locked = GiftPurchase.objects.select_for_update().get(pk=purchase.pk)
        if locked.gift_code:
            return locked
        gift = create_gift(
            months=locked.months,
            includes_print=locked.plan.includes_print,
            purchaser_email=purchase.buyer.email,
            note=f"Bought by {purchase.buyer.email}",
        )
        GiftPurchase.objects.filter(pk=locked.pk).update(
            status=GiftPurchase.PAID,
            gift_code=gift.code,
            paid_at=timezone.now(),
            stripe_payment_intent_id=intent.id,
            stripe_charge_id=intent.charge_id,
            last_error="",
        )
        transaction.on_commit(lambda: _email(locked.pk))
    locked.refresh_from_db()
    return locked


def _email(purchase_pk: int) -> None:
    """After commit, once: the buyer gets the code (and, if they asked, the recipient too)."""
    if not GiftPurchase.objects.filter(pk=purchase_pk, emailed_at__isnull=True).update(emailed_at=timezone.now()):
        return
    purchase = GiftPurchase.objects.select_related("buyer", "plan").get(pk=purchase_pk)
    emails.send(purchase.buyer, "gift_bought", purchase=purchase)
    if purchase.recipient_email:
        emails.send_to(purchase.recipient_email, "gift_received", purchase=purchase)
