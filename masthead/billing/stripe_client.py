"""The one module that imports ``stripe``: PaymentProvider over the official SDK.

Pointed at api.stripe.com in production and at localstripe (STRIPE_API_BASE)
offline and in tests: the same calls either way. Objects come back as plain
dataclasses (provider.py) so nothing else sees SDK types. Field lookups accept
both the classic and the 2025+ API shapes where Stripe moved them
(current_period_end onto subscription items, invoice charges into payments).
"""

from __future__ import annotations

import hashlib
import json
import time
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
    ChangePreview,
    ChargeInfo,
    Discount,
    InvoiceInfo,
    NotFoundAtProvider,
    PaymentError,
    PaymentIntentInfo,
    PreviewLine,
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
# How the localstripe stand-in for a coupon labels its credit line (stripe_client only).
DISCOUNT_PREFIX = "Discount: "
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
        # STRIPE_API_BASE is only ever set to point at localstripe (offline demo, tests). Where
        # localstripe lacks a Stripe feature, the calls below say how they stand in for it
        # (docs/payments.md, "Offline: localstripe").
        self._localstripe = bool(api_base)

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
            # trial_end rather than trial_period_days: localstripe reads only trial_end back.
            params["trial_end"] = int(time.time()) + trial_days * 86400
            if not card_required and not self._localstripe:
                # No card by the trial's end: Stripe cancels, and the webhook ends access.
                params["trial_settings"] = {"end_behavior": {"missing_payment_method": "cancel"}}
        if tax_rate_ids:
            params["default_tax_rates"] = list(tax_rate_ids)
        credit_item = ""
        if discount is not None:
            if self._localstripe:
                # localstripe has coupons but cannot put one on a subscription: the first
                # payment's discount becomes a credit line on the customer's next invoice.
                credit_item = self._local_discount_item(customer_id, price_id, discount)
            else:
                params["discounts"] = [{"promotion_code": discount.promotion_code_id}]
        try:
            sub = _translate(
                lambda: self._c.subscriptions.create(params=params, options={"idempotency_key": idempotency_key})  # type: ignore[arg-type]
            )
        except PaymentError:
            if credit_item:  # the credit must not wait for a later invoice
                _translate(lambda: self._c.invoice_items.delete(credit_item))
            raise
        return self._subscription(sub.to_dict())

    def _local_discount_item(self, customer_id: str, price_id: str, discount: Discount) -> str:
        price = _translate(lambda: self._c.plans.retrieve(price_id)).to_dict()
        amount = int(price.get("amount") or 0)
        off = amount * (discount.percent_off or 0) // 100 if discount.percent_off else min(discount.amount_off or 0, amount)
        if off <= 0:
            return ""
        params: dict[str, Any] = {
            "customer": customer_id,
            "amount": -off,
            "currency": str(price.get("currency") or discount.currency),
            "description": f"{DISCOUNT_PREFIX}{discount.code}",
            # The price it discounts (a localstripe-only field). Its invoice preview reads the plan
            # of each earlier invoice's first line, and this line comes first: without one it fails.
            "plan": price_id,
        }
        item = _translate(lambda: self._c.invoice_items.create(params=params))  # type: ignore[arg-type]
        return str(item.id)

    def preview_change(self, subscription_id: str, *, price_id: str, proration_date: datetime) -> ChangePreview:
        """The invoice moving the subscription to `price_id` would make now, prorated at `proration_date`.

        Stripe: create_preview with the same items, proration_behavior and proration date as
        change_price sends, so the preview is the invoice the change then makes ("To ensure that
        the actual proration is calculated exactly the same as the previewed proration, pass the
        subscription_details.proration_date parameter when doing the actual subscription update").
        Older API versions called this GET /v1/invoices/upcoming with subscription_items and
        subscription_proration_date; the SDK we pin (16.x) only has create_preview.

        localstripe (1.15) has create_preview too, but does not prorate: it prices the new plan in
        full and credits the whole subtotal of every earlier invoice of the subscription, whatever
        the date; it ignores proration_behavior and proration_date (it only copies the date into the
        lines' periods), needs `customer`, and reads the new price from `plan`. Its subscription
        update credits the same way, so its preview is exactly what its change then charges (see
        change_price). It also clamps a negative total to 0 and keeps no balance: offline, a
        downgrade's leftover credit is lost, where Stripe keeps it on the customer's balance.
        """
        current = self.get_subscription(subscription_id)
        at = int(proration_date.timestamp())
        params: dict[str, Any] = {
            "subscription": subscription_id,
            "subscription_details": {
                "items": [self._item(current.item_id, price_id)],
                "proration_behavior": "always_invoice",
                "proration_date": at,
            },
        }
        if self._localstripe:
            params["customer"] = current.customer_id
        inv = _translate(lambda: self._c.invoices.create_preview(params=params)).to_dict()  # type: ignore[arg-type]
        # A preview of this change has two or three lines; Stripe lists the first ten.
        lines = tuple(
            PreviewLine(
                description=str(line.get("description") or ""),
                amount=int(line.get("amount") or 0),
                price_id=self._line_price(line),
                proration=bool(
                    line.get("proration") or ((line.get("parent") or {}).get("subscription_item_details") or {}).get("proration")
                ),
            )
            for line in ((inv.get("lines") or {}).get("data") or [])
        )
        subtotal = int(inv.get("subtotal") or 0)
        total = int(inv.get("total") or 0)
        discount = sum(int(d.get("amount") or 0) for d in inv.get("total_discount_amounts") or [])
        if self._localstripe:
            tax = int(inv.get("tax") or 0)  # always added on top there, and its total is clamped at 0
        else:
            tax = total - subtotal + discount  # Stripe's total = subtotal - discounts + exclusive tax
        return ChangePreview(
            currency=str(inv.get("currency") or ""),
            amount_due=int(inv.get("amount_due") or 0),
            total=total,
            lines=lines,
            discount=discount,
            tax=tax,
            price_id=price_id,
        )

    def _line_price(self, line: dict[str, Any]) -> str:
        """The price an invoice line is for: under `pricing` since 2025-03 (basil), `price` or `plan` before."""
        if self._localstripe and line.get("type") != "subscription":
            # localstripe labels each "Unused time" credit with the plan of an earlier invoice's first
            # line, whatever it credits (after a few changes, even the new plan): only its
            # subscription lines are what they say they are.
            return ""
        details = ((line.get("pricing") or {}).get("price_details")) or {}
        return _id(details.get("price")) or _id(line.get("price")) or _id(line.get("plan"))

    def _item(self, item_id: str, price_id: str) -> dict[str, str]:
        # localstripe reads only `plan` (with `price` it would silently keep the old plan);
        # Stripe's current name is `price` (our price ids are plan ids too).
        return {"id": item_id, "plan": price_id} if self._localstripe else {"id": item_id, "price": price_id}

    def change_price(
        self, subscription_id: str, *, price_id: str, idempotency_key: str, proration_date: datetime | None = None
    ) -> SubscriptionInfo:
        """Move the subscription's one item to another price; the unused time is credited on the invoice made now.

        Pass the proration date of the preview the reader was shown, so Stripe charges that figure.
        """
        current = self.get_subscription(subscription_id)
        if current.price_id == price_id:
            return current
        params: dict[str, Any] = {"items": [self._item(current.item_id, price_id)]}
        if proration_date is not None:
            params["proration_date"] = int(proration_date.timestamp())  # localstripe accepts and ignores it
        if not self._localstripe:
            # Charge (or credit) the difference at once rather than at the next renewal;
            # localstripe knows no such parameter (see below).
            params["proration_behavior"] = "always_invoice"
            params["payment_behavior"] = "error_if_incomplete"
        sub = _translate(
            lambda: self._c.subscriptions.update(subscription_id, params=params, options={"idempotency_key": idempotency_key})  # type: ignore[arg-type]
        )
        info = self._subscription(sub.to_dict())
        if self._localstripe and info.latest_invoice_id == current.latest_invoice_id:
            # localstripe invoices an interval change at once by itself; within one interval it
            # leaves the credit as a pending invoice item for the next invoice. Stand in for
            # always_invoice: invoice it now (new plan plus that credit, as its preview showed) and pay.
            invoice = _translate(
                lambda: self._c.invoices.create(params={"customer": info.customer_id, "subscription": subscription_id})
            )
            _translate(lambda: self._c.invoices.pay(str(invoice.id)))
            info = self.get_subscription(subscription_id)
        return info

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

    def _subscription(self, sub: dict[str, Any]) -> SubscriptionInfo:
        items = ((sub.get("items") or {}).get("data")) or [{}]
        item = items[0] or {}
        price = _id(item.get("price")) or _id(item.get("plan")) or _id(sub.get("plan"))
        period_end = sub.get("current_period_end") or item.get("current_period_end")
        status = str(sub.get("status") or "")
        trial_end = sub.get("trial_end")
        if self._localstripe and status == "incomplete" and trial_end:
            # localstripe leaves a trial "incomplete" (it makes no $0 invoice); Stripe says
            # "trialing" until the trial ends, then charges or (no card) cancels.
            if int(trial_end) > time.time():
                status = "trialing"
            else:
                status = "active" if self._latest_invoice_paid(sub) else "incomplete_expired"
        if status == "trialing" and trial_end:
            period_end = trial_end  # Stripe's own period ends with the trial; localstripe's does not
        return SubscriptionInfo(
            id=str(sub["id"]),
            customer_id=_id(sub.get("customer")),
            status=status,
            trial_end=_ts(trial_end),
            item_id=_id(item.get("id")),
            price_id=price,
            current_period_end=_ts(period_end),
            cancel_at_period_end=bool(sub.get("cancel_at_period_end")),
            started_at=_ts(sub.get("start_date") or sub.get("created")),
            latest_invoice_id=_id(sub.get("latest_invoice")),
            canceled_at=_ts(sub.get("canceled_at") or sub.get("ended_at")),
        )

    def _latest_invoice_paid(self, sub: dict[str, Any]) -> bool:
        invoice_id = _id(sub.get("latest_invoice"))
        if not invoice_id:
            return False
        return _translate(lambda: self._c.invoices.retrieve(invoice_id)).to_dict().get("status") == "paid"

    # --- promo codes, tax rates, billing details -------------------------
    def sync_discount(
        self, *, code: str, existing_coupon_id: str, existing_promotion_code_id: str, terms: Discount
    ) -> tuple[str, str]:
        """A coupon with these terms and a promotion code readers type; new ones when the terms changed.

        Coupons cannot change at Stripe, so the coupon id carries a digest of the terms.
        localstripe has no promotion codes: the second id stays empty there.
        """
        digest = hashlib.sha256(
            repr((terms.percent_off, terms.amount_off, terms.currency, terms.duration, terms.duration_in_months)).encode()
        ).hexdigest()[:10]
        coupon_id = f"masthead-{code.lower()}-{digest}"
        if coupon_id != existing_coupon_id:
            params: dict[str, Any] = {"id": coupon_id, "duration": terms.duration, "metadata": {"masthead_code": code}}
            if terms.percent_off:
                params["percent_off"] = terms.percent_off
            else:
                params["amount_off"], params["currency"] = terms.amount_off, terms.currency
            if terms.duration == "repeating":
                params["duration_in_months"] = terms.duration_in_months
            try:
                _translate(lambda: self._c.coupons.create(params=params))  # type: ignore[arg-type]
            except PaymentError as exc:
                if exc.retryable or exc.code != "resource_already_exists":
                    raise
        if self._localstripe:
            return coupon_id, ""
        if existing_promotion_code_id and coupon_id == existing_coupon_id:
            return coupon_id, existing_promotion_code_id
        if existing_promotion_code_id:
            _translate(lambda: self._c.promotion_codes.update(existing_promotion_code_id, params={"active": False}))
        # The current API names the coupon under "promotion" (older versions took a top-level "coupon").
        promotion: dict[str, Any] = {"promotion": {"type": "coupon", "coupon": coupon_id}, "code": code}
        promo = _translate(lambda: self._c.promotion_codes.create(params=promotion))  # type: ignore[arg-type]
        return coupon_id, str(promo.id)

    def sync_tax_rate(
        self, *, existing_id: str, display_name: str, percentage: str, inclusive: bool, jurisdiction: str, active: bool
    ) -> str:
        """Stripe tax rates cannot change their percentage: a changed rate is a new one, the old one deactivated."""
        if existing_id:
            old = _translate(lambda: self._c.tax_rates.retrieve(existing_id)).to_dict()
            same = (float(old.get("percentage") or 0), bool(old.get("inclusive"))) == (float(percentage), inclusive)
            if same:
                update = {"display_name": display_name, "active": active}
                _translate(lambda: self._c.tax_rates.update(existing_id, params=update))  # type: ignore[arg-type]
                return existing_id
            _translate(lambda: self._c.tax_rates.update(existing_id, params={"active": False}))
        params: dict[str, Any] = {
            "display_name": display_name,
            "percentage": percentage,
            "inclusive": inclusive,
            "active": active,
        }
        if jurisdiction:
            params["jurisdiction"] = jurisdiction
        return str(_translate(lambda: self._c.tax_rates.create(params=params)).id)  # type: ignore[arg-type]

    def update_billing_details(self, customer_id: str, *, name: str, address: str, country: str, tax_id: str) -> None:
        """Name and address go on Stripe's invoices; the tax ID is kept in metadata (its type varies by country)."""
        lines = [line.strip() for line in address.splitlines() if line.strip()]
        params: dict[str, Any] = {"name": name, "metadata": {"tax_id": tax_id}}
        if lines or country:
            params["address"] = {"line1": lines[0] if lines else "", "line2": ", ".join(lines[1:]), "country": country}
        _translate(lambda: self._c.customers.update(customer_id, params=params))  # type: ignore[arg-type]

    # --- one-off payments (gifts) ----------------------------------------
    def charge_once(
        self, *, customer_id: str, amount: int, currency: str, metadata: dict[str, str], idempotency_key: str
    ) -> PaymentIntentInfo:
        """Charge the customer's default card now (it was just confirmed with Stripe.js, 3-D Secure included)."""
        customer = _translate(lambda: self._c.customers.retrieve(customer_id)).to_dict()
        pm_id = _id((customer.get("invoice_settings") or {}).get("default_payment_method"))
        if not pm_id:
            raise CardDeclined("Please enter your card details.", code="no_payment_method")
        params: dict[str, Any] = {
            "customer": customer_id,
            "amount": amount,
            "currency": currency,
            "payment_method": pm_id,
            "payment_method_types": ["card"],
            "confirm": True,
            "off_session": True,
            "metadata": metadata,
        }
        intent = _translate(
            lambda: self._c.payment_intents.create(params=params, options={"idempotency_key": idempotency_key})  # type: ignore[arg-type]
        )
        return self._payment_intent(intent.to_dict())

    def get_payment_intent(self, payment_intent_id: str) -> PaymentIntentInfo:
        return self._payment_intent(_translate(lambda: self._c.payment_intents.retrieve(payment_intent_id)).to_dict())

    @staticmethod
    def _payment_intent(pi: dict[str, Any]) -> PaymentIntentInfo:
        return PaymentIntentInfo(
            id=str(pi["id"]),
            customer_id=_id(pi.get("customer")),
            status=str(pi.get("status") or ""),
            amount=int(pi.get("amount") or 0),
            currency=str(pi.get("currency") or ""),
            charge_id=_id(pi.get("latest_charge")),
            metadata={str(k): str(v) for k, v in (pi.get("metadata") or {}).items()},
            failure_message=str((pi.get("last_payment_error") or {}).get("message") or ""),
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
        subtotal, discount, tax, tax_description, description = self._amounts(inv)
        return InvoiceInfo(
            subtotal=subtotal,
            discount=discount,
            tax=tax,
            tax_description=tax_description,
            description=description,
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

    def _amounts(self, inv: dict[str, Any]) -> tuple[int, int, int, str, str]:
        """Subtotal before discounts, discount, tax, the tax's name and what was bought, for a tax-ready receipt."""
        lines = ((inv.get("lines") or {}).get("data")) or []
        local_credit = -sum(
            int(line.get("amount") or 0) for line in lines if str(line.get("description") or "").startswith(DISCOUNT_PREFIX)
        )
        discount = sum(int(d.get("amount") or 0) for d in inv.get("total_discount_amounts") or []) + local_credit
        subtotal = int(inv.get("subtotal") or 0) + local_credit
        tax_rows = inv.get("total_tax_amounts") or inv.get("total_taxes") or []
        tax = int(inv.get("tax") or 0) or sum(int(t.get("amount") or 0) for t in tax_rows)
        names = []
        for row in tax_rows:
            rate_id = _id(row.get("tax_rate")) or _id((row.get("tax_rate_details") or {}).get("tax_rate"))
            if rate_id:
                rate = _translate(lambda rid=rate_id: self._c.tax_rates.retrieve(rid)).to_dict()  # type: ignore[misc]
                pct = f"{float(rate.get('percentage') or 0):g}%"
                names.append(f"{rate.get('display_name') or 'Tax'} {pct}{' included' if rate.get('inclusive') else ''}")
        described = [
            str(line.get("description") or "")
            for line in lines
            if not str(line.get("description") or "").startswith(DISCOUNT_PREFIX) and int(line.get("amount") or 0) > 0
        ]
        return subtotal, max(discount, 0), tax, ", ".join(dict.fromkeys(names)), "; ".join(described)[:200]

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
