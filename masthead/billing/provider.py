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


class BadSignature(PaymentError):
    """A webhook whose signature or timestamp does not verify."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False, code="bad_signature")


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


@dataclass(frozen=True)
class ChargeInfo:
    id: str
    amount: int
    amount_refunded: int
    currency: str
    invoice_id: str = ""
    payment_intent_id: str = ""

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
class WebhookEventInfo:
    id: str
    type: str
    created: int
    object_type: str
    object_id: str
    payload: dict[str, Any] = field(default_factory=dict)


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
        self, *, customer_id: str, price_id: str, trial_days: int, metadata: dict[str, str], idempotency_key: str
    ) -> SubscriptionInfo: ...
    def get_subscription(self, subscription_id: str) -> SubscriptionInfo: ...
    def set_cancel_at_period_end(self, subscription_id: str, cancel: bool) -> SubscriptionInfo: ...
    def cancel_now(self, subscription_id: str) -> SubscriptionInfo: ...
    def get_invoice(self, invoice_id: str) -> InvoiceInfo: ...
    def get_charge(self, charge_id: str) -> ChargeInfo: ...
    def refund(self, *, charge_id: str, payment_intent_id: str, idempotency_key: str) -> RefundInfo: ...
    def parse_webhook(self, payload: bytes, signature_header: str) -> WebhookEventInfo: ...
