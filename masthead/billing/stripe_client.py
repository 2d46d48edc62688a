"""The one module that imports ``stripe``: PaymentProvider over the official SDK.

Pointed at api.stripe.com in production and at localstripe (STRIPE_API_BASE)
offline and in tests: the same calls either way. Objects come back as plain
dataclasses (provider.py) so nothing else sees SDK types. Field lookups accept
both the classic and the 2025+ API shapes where Stripe moved them
(current_period_end onto subscription items, invoice charges into payments).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypeVar

import stripe
from django.conf import settings

from masthead.billing.provider import (
    CANCELLED_STATUSES,
    BadSignature,
    CardDeclined,
    CardInfo,
    ChargeInfo,
    InvoiceInfo,
    NotFoundAtProvider,
    PaymentError,
    RefundInfo,
    SubscriptionInfo,
    UnreadableWebhook,
    WebhookEventInfo,
)

# Stripe's documented default; a webhook older than this is refused as a replay.
WEBHOOK_TOLERANCE_SECONDS = 300
# Stripe's events nest a dozen levels at most (expansions stop at four); anything
# deeper is not an event, and parsing it must not exhaust the stack.
MAX_EVENT_DEPTH = 64
# Our WebhookEvent columns: an id or type longer than these is not Stripe's.
MAX_EVENT_ID, MAX_EVENT_TYPE = 120, 80
T = TypeVar("T")


def _ts(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), tz=UTC) if value else None


def _id(value: Any) -> str:
    """An expandable field: an id string, an object with an id, or nothing."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return ""


def _translate(call: Callable[[], T]) -> T:
    """Run one SDK call, turning its errors into PaymentError with ``retryable`` set."""
    try:
        return call()
    except stripe.CardError as exc:
        raise CardDeclined(exc.user_message or "Your card was declined.", code=exc.code or "card_declined") from exc
    except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
        raise PaymentError(str(exc), retryable=True, code="unavailable") from exc
    except stripe.APIError as exc:  # Stripe's own 5xx
        raise PaymentError(str(exc), retryable=True, code="provider_error") from exc
    except stripe.InvalidRequestError as exc:
        if exc.http_status == 404:
            raise NotFoundAtProvider(str(exc)) from exc
        raise PaymentError(str(exc), retryable=False, code=exc.code or "rejected") from exc
    except stripe.StripeError as exc:  # bad request, auth, permission, idempotency conflict
        raise PaymentError(str(exc), retryable=False, code=getattr(exc, "code", "") or "rejected") from exc


@lru_cache(maxsize=8)
def _client(api_key: str, api_base: str) -> stripe.StripeClient:
    kwargs: dict[str, Any] = {"max_network_retries": 2}
    if api_base:
        kwargs["base_addresses"] = {"api": api_base}
    return stripe.StripeClient(api_key, **kwargs)


class StripeProvider:
    def __init__(self, *, secret_key: str, publishable_key: str, webhook_secret: str, api_base: str, js_url: str) -> None:
        if not secret_key:
            raise PaymentError("STRIPE_SECRET_KEY is not set", retryable=False, code="not_configured")
        self.publishable_key = publishable_key
        self.js_url = js_url
        self._webhook_secret = webhook_secret
        self._c = _client(secret_key, api_base).v1

    # --- prices -----------------------------------------------------------
    def sync_price(
        self, *, name: str, amount: int, currency: str, interval: str, existing_id: str = "", metadata: dict[str, str]
    ) -> str:
        """The id of a recurring price matching these terms, creating one when they changed.

        Stripe prices are immutable: a new amount means a new price, and the
        old one is deactivated so no new subscription uses it.
        """
        if existing_id:
            try:
                old = _translate(lambda: self._c.plans.retrieve(existing_id)).to_dict()
            except PaymentError as exc:
                if exc.retryable:
                    raise
                old = {}  # gone (another Stripe account, a fresh localstripe): make a new one
            terms = (amount, currency.lower(), interval)
            if old and (old.get("amount"), old.get("currency"), old.get("interval")) == terms and old.get("active", True):
                return existing_id
            if old:
                _translate(lambda: self._c.plans.update(existing_id, params={"active": False}))
        params = {
            "amount": amount,
            "currency": currency.lower(),
            "interval": interval,
            "product": {"name": name},
            "metadata": metadata,
        }
        return str(_translate(lambda: self._c.plans.create(params=params)).id)  # type: ignore[arg-type]

    # --- customers and cards ---------------------------------------------
    def create_customer(self, *, email: str, name: str, metadata: dict[str, str], idempotency_key: str) -> str:
        params: dict[str, Any] = {"email": email, "metadata": metadata}
        if name:
            params["name"] = name
        customer = _translate(
            lambda: self._c.customers.create(params=params, options={"idempotency_key": idempotency_key})  # type: ignore[arg-type]
        )
        return str(customer.id)

    def create_setup_intent(self, *, customer_id: str) -> tuple[str, str]:
        intent = _translate(lambda: self._c.setup_intents.create(params={"customer": customer_id, "usage": "off_session"}))
        return str(intent.id), str(intent.client_secret)

    def finish_setup(self, *, customer_id: str, setup_intent_id: str) -> CardInfo:
        """Make the card the reader just confirmed in Stripe.js the customer's default."""
        intent = _translate(lambda: self._c.setup_intents.retrieve(setup_intent_id)).to_dict()
        if _id(intent.get("customer")) != customer_id:
            # Someone else's SetupIntent id: refuse rather than charge a stranger's card.
            raise PaymentError("SetupIntent belongs to another customer", retryable=False, code="wrong_customer")
        if intent.get("status") != "succeeded" or not intent.get("payment_method"):
            raise CardDeclined("Your card could not be confirmed. Please check the details and try again.")
        pm_id = _id(intent["payment_method"])
        pm = _translate(lambda: self._c.payment_methods.retrieve(pm_id)).to_dict()
        if _id(pm.get("customer")) != customer_id:
            _translate(lambda: self._c.payment_methods.attach(pm_id, params={"customer": customer_id}))
        _translate(lambda: self._c.customers.update(customer_id, params={"invoice_settings": {"default_payment_method": pm_id}}))
        return self._card(pm)

    @staticmethod
    def _card(pm: dict[str, Any]) -> CardInfo:
        card = pm.get("card") or {}
        return CardInfo(
            payment_method_id=str(pm.get("id") or ""),
            fingerprint=str(card.get("fingerprint") or ""),
            brand=str(card.get("brand") or ""),
            last4=str(card.get("last4") or ""),
            exp_month=card.get("exp_month"),
            exp_year=card.get("exp_year"),
        )

    # --- subscriptions ---------------------------------------------------
    def create_subscription(
        self, *, customer_id: str, price_id: str, trial_days: int, metadata: dict[str, str], idempotency_key: str
    ) -> SubscriptionInfo:
        params: dict[str, Any] = {
            "customer": customer_id,
            "items": [{"plan": price_id}],
            # A declined first payment fails the call instead of leaving an
            # "incomplete" subscription behind.
            "payment_behavior": "error_if_incomplete",
            "metadata": metadata,
        }
        if trial_days:
            params["trial_period_days"] = trial_days
        sub = _translate(
            lambda: self._c.subscriptions.create(params=params, options={"idempotency_key": idempotency_key})  # type: ignore[arg-type]
        )
        return self._subscription(sub.to_dict())

    def get_subscription(self, subscription_id: str) -> SubscriptionInfo:
        return self._subscription(_translate(lambda: self._c.subscriptions.retrieve(subscription_id)).to_dict())

    def list_subscriptions(self, customer_id: str) -> list[SubscriptionInfo]:
        """Every subscription Stripe has for this customer, ended ones included (a customer has a handful)."""
        page = _translate(
            lambda: self._c.subscriptions.list(params={"customer": customer_id, "status": "all", "limit": 100})
        ).to_dict()
        return [self._subscription(row) for row in page.get("data") or []]

    def set_cancel_at_period_end(self, subscription_id: str, cancel: bool) -> SubscriptionInfo:
        sub = _translate(lambda: self._c.subscriptions.update(subscription_id, params={"cancel_at_period_end": cancel}))
        return self._subscription(sub.to_dict())

    def cancel_now(self, subscription_id: str) -> SubscriptionInfo:
        current = self.get_subscription(subscription_id)
        if current.status in CANCELLED_STATUSES:
            return current  # cancelling twice is an error at Stripe; here it is a no-op
        try:
            return self._subscription(_translate(lambda: self._c.subscriptions.cancel(subscription_id)).to_dict())
        except PaymentError as exc:
            again = self.get_subscription(subscription_id)
            if not exc.retryable and again.status in CANCELLED_STATUSES:
                return again  # cancelled meanwhile (a webhook's handler, the dashboard): the same outcome
            raise

    @staticmethod
    def _subscription(sub: dict[str, Any]) -> SubscriptionInfo:
        items = ((sub.get("items") or {}).get("data")) or [{}]
        item = items[0] or {}
        price = _id(item.get("price")) or _id(item.get("plan")) or _id(sub.get("plan"))
        period_end = sub.get("current_period_end") or item.get("current_period_end")
        return SubscriptionInfo(
            id=str(sub["id"]),
            customer_id=_id(sub.get("customer")),
            status=str(sub.get("status") or ""),
            price_id=price,
            current_period_end=_ts(period_end),
            cancel_at_period_end=bool(sub.get("cancel_at_period_end")),
            started_at=_ts(sub.get("start_date") or sub.get("created")),
            latest_invoice_id=_id(sub.get("latest_invoice")),
            canceled_at=_ts(sub.get("canceled_at") or sub.get("ended_at")),
        )

    # --- invoices, charges, refunds --------------------------------------
    def get_invoice(self, invoice_id: str) -> InvoiceInfo:
        inv = _translate(lambda: self._c.invoices.retrieve(invoice_id)).to_dict()
        charge: dict[str, Any] = inv["charge"] if isinstance(inv.get("charge"), dict) else {}
        charge_id = _id(inv.get("charge"))
        pi_id = _id(inv.get("payment_intent"))
        if not charge_id and not pi_id and inv.get("status") == "paid":
            charge_id, pi_id = self._invoice_payment(invoice_id)
        if charge_id and not charge:
            charge = _translate(lambda: self._c.charges.retrieve(charge_id)).to_dict()
        card = None
        refunded = bool(charge) and int(charge.get("amount_refunded") or 0) >= int(charge.get("amount") or 0) > 0
        if charge:
            details = ((charge.get("payment_method_details") or {}).get("card")) or {}
            if details.get("fingerprint"):
                card = CardInfo(
                    payment_method_id=_id(charge.get("payment_method")),
                    fingerprint=str(details["fingerprint"]),
                    brand=str(details.get("brand") or ""),
                    last4=str(details.get("last4") or ""),
                )
            elif pm_id := _id(charge.get("payment_method")):
                card = self._card(_translate(lambda: self._c.payment_methods.retrieve(pm_id)).to_dict())
        parent = (inv.get("parent") or {}).get("subscription_details") or {}
        failure = ""
        if inv.get("status") == "open" and pi_id:
            intent = _translate(lambda: self._c.payment_intents.retrieve(pi_id)).to_dict()
            failure = str((intent.get("last_payment_error") or {}).get("message") or "")
        return InvoiceInfo(
            id=str(inv["id"]),
            customer_id=_id(inv.get("customer")),
            subscription_id=_id(inv.get("subscription")) or _id(parent.get("subscription")),
            status=str(inv.get("status") or ""),
            amount_paid=int(inv.get("amount_paid") or 0),
            amount_due=int(inv.get("amount_due") or 0),
            currency=str(inv.get("currency") or ""),
            paid_at=_ts((inv.get("status_transitions") or {}).get("paid_at")),
            charge_id=charge_id,
            payment_intent_id=pi_id,
            card=card,
            number=str(inv.get("number") or inv.get("receipt_number") or ""),
            hosted_url=str(inv.get("hosted_invoice_url") or ""),
            failure_message=failure,
            refunded=refunded,
        )

    def _invoice_payment(self, invoice_id: str) -> tuple[str, str]:
        """Newer API versions list an invoice's payments separately."""
        try:
            payments = self._c.invoice_payments.list(params={"invoice": invoice_id}).to_dict()
        except stripe.StripeError:
            return "", ""
        for row in payments.get("data") or []:
            payment = row.get("payment") or {}
            if row.get("status") == "paid":
                return _id(payment.get("charge")), _id(payment.get("payment_intent"))
        return "", ""

    def get_charge(self, charge_id: str) -> ChargeInfo:
        ch = _translate(lambda: self._c.charges.retrieve(charge_id)).to_dict()
        return ChargeInfo(
            id=str(ch["id"]),
            amount=int(ch.get("amount") or 0),
            amount_refunded=int(ch.get("amount_refunded") or 0),
            currency=str(ch.get("currency") or ""),
            invoice_id=_id(ch.get("invoice")),
            payment_intent_id=_id(ch.get("payment_intent")),
            customer_id=_id(ch.get("customer")),
        )

    def refund(self, *, charge_id: str, payment_intent_id: str, idempotency_key: str) -> RefundInfo:
        """Refund a payment in full; the key makes a retried call refund once at Stripe."""
        params = {"charge": charge_id} if charge_id else {"payment_intent": payment_intent_id}
        refund = _translate(
            lambda: self._c.refunds.create(params=params, options={"idempotency_key": idempotency_key})  # type: ignore[arg-type]
        ).to_dict()
        return RefundInfo(
            id=str(refund["id"]),
            amount=int(refund.get("amount") or 0),
            currency=str(refund.get("currency") or ""),
            status=str(refund.get("status") or ""),
        )

    # --- webhooks --------------------------------------------------------
    def parse_webhook(self, payload: bytes, signature_header: str) -> WebhookEventInfo:
        """Verify, then read: BadSignature if Stripe did not sign it, UnreadableWebhook if it is not an event."""
        if not self._webhook_secret:
            raise BadSignature("STRIPE_WEBHOOK_SECRET is not set: refusing unverifiable webhooks")
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UnreadableWebhook(f"the body is not UTF-8 text (byte {exc.start})") from exc
        try:
            stripe.WebhookSignature.verify_header(text, signature_header, self._webhook_secret, WEBHOOK_TOLERANCE_SECONDS)
        except (stripe.SignatureVerificationError, ValueError, IndexError) as exc:
            raise BadSignature(f"webhook signature did not verify: {exc}") from exc
        try:
            body = json.loads(text)
        except RecursionError as exc:
            raise UnreadableWebhook(f"the JSON nests deeper than {MAX_EVENT_DEPTH} levels") from exc
        except ValueError as exc:  # JSONDecodeError, and integers past Python's 4300-digit limit
            raise UnreadableWebhook(f"the body is not JSON we can read: {exc}") from exc
        return read_event(body)


def read_event(body: Any) -> WebhookEventInfo:
    """The parts of a Stripe event we rely on, checked; NUL characters (PostgreSQL cannot store them) become U+FFFD."""
    if not isinstance(body, dict):
        raise UnreadableWebhook(f"the body is a JSON {type(body).__name__}, not an object")
    if _depth(body) > MAX_EVENT_DEPTH:
        raise UnreadableWebhook(f"the JSON nests deeper than {MAX_EVENT_DEPTH} levels")
    body = _without_nul(body)
    event_id, event_type = body.get("id"), body.get("type")
    if not isinstance(event_id, str) or not 0 < len(event_id) <= MAX_EVENT_ID:
        raise UnreadableWebhook(f"the event id must be a string of 1 to {MAX_EVENT_ID} characters")
    if not isinstance(event_type, str) or not 0 < len(event_type) <= MAX_EVENT_TYPE:
        raise UnreadableWebhook(f"the event type must be a string of 1 to {MAX_EVENT_TYPE} characters")
    data = body.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(obj, dict):
        raise UnreadableWebhook("data.object must be a JSON object")
    object_id, object_type = obj.get("id", ""), obj.get("object", "")
    if not isinstance(object_id, str) or not isinstance(object_type, str) or len(object_id) > 255:
        raise UnreadableWebhook("data.object.id and data.object.object must be strings")
    created = body.get("created")
    return WebhookEventInfo(
        id=event_id,
        type=event_type,
        created=created if isinstance(created, int) and not isinstance(created, bool) else 0,
        object_type=object_type,
        object_id=object_id,
        payload=body,
    )


def _depth(value: Any) -> int:
    """How deeply a parsed JSON value nests, without recursion; stops counting past the limit."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, depth)
            if deepest > MAX_EVENT_DEPTH:
                return deepest
            stack.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


def _without_nul(value: Any) -> Any:
    """Recursion is safe here: _depth has bounded the nesting."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    return value


def provider_from_settings() -> StripeProvider:
    return StripeProvider(
        secret_key=settings.STRIPE_SECRET_KEY,
        publishable_key=settings.STRIPE_PUBLISHABLE_KEY,
        webhook_secret=settings.STRIPE_WEBHOOK_SECRET,
        api_base=settings.STRIPE_API_BASE,
        js_url=settings.STRIPE_JS_URL,
    )
