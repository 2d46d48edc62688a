"""What billing needs from a payment provider, without naming Stripe.

services.py and webhooks.py speak only this interface; stripe_client.py is the
one implementation (and the only module that imports ``stripe``). Tests may
pass any object with these methods. Every failure is a PaymentError whose
``retryable`` says whether trying again later can help (network, rate limit,
provider outage) or not (declined card, bad request, bad signature).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

# Stripe's subscription statuses, sorted once for all of billing.
# Paid up, or a failed renewal Stripe is still retrying: access continues.
LIVE_STATUSES = frozenset({"active", "trialing", "past_due"})
# Over: access ends ("unpaid" is what Stripe leaves when retries run out, if so configured).
ENDED_STATUSES = frozenset({"canceled", "incomplete_expired", "unpaid"})
# Final at Stripe: asking to cancel one of these again is an error there, and a no-op here.
CANCELLED_STATUSES = frozenset({"canceled", "incomplete_expired"})


class PaymentError(Exception):
    """A provider call failed. ``user_message`` is safe to show a reader."""

    def __init__(self, message: str, *, retryable: bool, user_message: str = "", code: str = "") -> None:
        super().__init__(message)
        self.retryable = retryable
        self.user_message = user_message or "The payment could not be completed. Please try again."
        self.code = code


class CardDeclined(PaymentError):
    def __init__(self, message: str, *, code: str = "card_declined") -> None:
        super().__init__(message, retryable=False, user_message=message, code=code)


class NotFoundAtProvider(PaymentError):
    """The provider has no such object (a deleted test object, or an event naming something it never made)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False, code="resource_missing")


class BadWebhook(PaymentError):
    """A webhook request we refuse before storing anything (answered 400)."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message, retryable=False, code=code)


class BadSignature(BadWebhook):
    """A webhook whose signature or timestamp does not verify."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="bad_signature")


class UnreadableWebhook(BadWebhook):
    """A correctly signed body that is not an event we can read; the message says what is wrong with it."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="unreadable_event")


@dataclass(frozen=True)
class CardInfo:
    payment_method_id: str
    fingerprint: str
    brand: str = ""
    last4: str = ""
    exp_month: int | None = None
    exp_year: int | None = None


@dataclass(frozen=True)
class SubscriptionInfo:
    id: str
    customer_id: str
    status: str  # Stripe's: active, trialing, past_due, canceled, unpaid, incomplete, incomplete_expired
    price_id: str
    current_period_end: datetime | None
    cancel_at_period_end: bool
    started_at: datetime | None
    latest_invoice_id: str = ""
    canceled_at: datetime | None = None
    trial_end: datetime | None = None
    item_id: str = ""  # the one subscription item (a plan change replaces its price)


@dataclass(frozen=True)
class InvoiceInfo:
    id: str
    customer_id: str
    subscription_id: str
    status: str  # draft, open, paid, void, uncollectible
    amount_paid: int
    amount_due: int
    currency: str
    paid_at: datetime | None
    charge_id: str = ""
    payment_intent_id: str = ""
    card: CardInfo | None = None
    number: str = ""
    hosted_url: str = ""
    failure_message: str = ""  # why the last payment attempt failed, in Stripe's reader-facing words
    refunded: bool = False  # the charge that paid it has been refunded in full
    subtotal: int = 0  # before discounts and exclusive tax
    discount: int = 0
    tax: int = 0
    tax_description: str = ""  # e.g. "VAT 20%"
    description: str = ""  # what was bought, e.g. "Digital, monthly"


@dataclass(frozen=True)
class PreviewLine:
    description: str  # the provider's own words, e.g. "Unused time on Digital, monthly after 2 Dec 2026"
    amount: int  # minor units; negative for a credit
    price_id: str = ""  # the price the line is for, when it is for one
    proration: bool = False  # part of a period (unused time credited, or the rest of the period on the new price)


@dataclass(frozen=True)
class ChangePreview:
    """The invoice a plan change would make today, as the provider computes it (never our arithmetic).

    ``amount_due`` is what the card is charged; ``total`` is the invoice's total before the
    customer's balance is applied (negative at Stripe when the credit is larger than the new
    price: the rest goes onto the balance). ``tax`` is only tax added on top of the lines.
    """

    currency: str
    amount_due: int
    total: int
    lines: tuple[PreviewLine, ...]
    discount: int = 0
    tax: int = 0
    price_id: str = ""  # the price being moved to

    @property
    def charges(self) -> int:
        """The new plan's lines (in full, or the rest of the period on it)."""
        return sum(line.amount for line in self.lines if line.amount > 0 and line.price_id == self.price_id)

    @property
    def charges_are_prorated(self) -> bool:
        """The new plan is charged for the rest of the current period only (a change within one interval)."""
        new = [line for line in self.lines if line.amount > 0 and line.price_id == self.price_id]
        return bool(new) and all(line.proration for line in new)

    @property
    def other_charges(self) -> int:
        """Anything else on today's invoice: items added to the customer's next invoice meanwhile."""
        return sum(line.amount for line in self.lines if line.amount > 0 and line.price_id != self.price_id)

    @property
    def credits(self) -> int:
        return -sum(line.amount for line in self.lines if line.amount < 0)

    @property
    def balance_used(self) -> int:
        """Credit already on the customer's balance that pays part of today's total."""
        return max(self.total, 0) - self.amount_due

    @property
    def credit_kept(self) -> int:
        """What is left of the credit after today's invoice: it stays on the balance for later renewals."""
        return max(-self.total, 0)


@dataclass(frozen=True)
class ChargeInfo:
    id: str
    amount: int
    amount_refunded: int
    currency: str
    invoice_id: str = ""
    payment_intent_id: str = ""
    customer_id: str = ""

    @property
    def fully_refunded(self) -> bool:
        return self.amount > 0 and self.amount_refunded >= self.amount


@dataclass(frozen=True)
class RefundInfo:
    id: str
    amount: int
    currency: str
    status: str


@dataclass(frozen=True)
class PaymentIntentInfo:
    """A one-off payment (a gift): who paid what, whether it went through, what it was for."""

    id: str
    customer_id: str
    status: str  # succeeded, processing, requires_payment_method, requires_action, canceled, ...
    amount: int
    currency: str
    charge_id: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    failure_message: str = ""


@dataclass(frozen=True)
class WebhookEventInfo:
    id: str
    type: str
    created: int
    object_type: str
    object_id: str
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Discount:
    """A promo code's terms, as Stripe's coupon holds them."""

    code: str
    percent_off: int | None
    amount_off: int | None
    currency: str
    duration: str  # once, repeating, forever
    duration_in_months: int | None = None
    coupon_id: str = ""
    promotion_code_id: str = ""


class PaymentProvider(Protocol):
    publishable_key: str
    js_url: str

    def sync_price(
        self, *, name: str, amount: int, currency: str, interval: str, existing_id: str = "", metadata: dict[str, str]
    ) -> str: ...
    def create_customer(self, *, email: str, name: str, metadata: dict[str, str], idempotency_key: str) -> str: ...
    def create_setup_intent(self, *, customer_id: str) -> tuple[str, str]: ...
    def finish_setup(self, *, customer_id: str, setup_intent_id: str) -> CardInfo: ...
    def create_subscription(
        self,
        *,
        customer_id: str,
        price_id: str,
        trial_days: int,
        metadata: dict[str, str],
        idempotency_key: str,
        card_required: bool = True,
        discount: Discount | None = None,
        tax_rate_ids: tuple[str, ...] = (),
    ) -> SubscriptionInfo: ...
    def preview_change(self, subscription_id: str, *, price_id: str, proration_date: datetime) -> ChangePreview: ...
    def change_price(
        self, subscription_id: str, *, price_id: str, idempotency_key: str, proration_date: datetime | None = None
    ) -> SubscriptionInfo: ...
    def sync_discount(
        self, *, code: str, existing_coupon_id: str, existing_promotion_code_id: str, terms: Discount
    ) -> tuple[str, str]: ...
    def sync_tax_rate(
        self, *, existing_id: str, display_name: str, percentage: str, inclusive: bool, jurisdiction: str, active: bool
    ) -> str: ...
    def update_billing_details(self, customer_id: str, *, name: str, address: str, country: str, tax_id: str) -> None: ...
    def charge_once(
        self, *, customer_id: str, amount: int, currency: str, metadata: dict[str, str], idempotency_key: str
    ) -> PaymentIntentInfo: ...
    def get_payment_intent(self, payment_intent_id: str) -> PaymentIntentInfo: ...
    def get_subscription(self, subscription_id: str) -> SubscriptionInfo: ...
    def list_subscriptions(self, customer_id: str) -> list[SubscriptionInfo]: ...
    def set_cancel_at_period_end(self, subscription_id: str, cancel: bool) -> SubscriptionInfo: ...
    def cancel_now(self, subscription_id: str) -> SubscriptionInfo: ...
    def get_invoice(self, invoice_id: str) -> InvoiceInfo: ...
    def get_charge(self, charge_id: str) -> ChargeInfo: ...
    def refund(self, *, charge_id: str, payment_intent_id: str, idempotency_key: str) -> RefundInfo: ...
    def parse_webhook(self, payload: bytes, signature_header: str) -> WebhookEventInfo: ...
