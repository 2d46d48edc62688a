"""Billing test helpers: a real localstripe, plans synced to it, and a card confirmed the way Stripe.js does."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import pytest
import requests
from django.contrib.auth import get_user_model
from django.core.cache import cache

from masthead.billing import services
from masthead.billing.models import Plan
from masthead.testing.localstripe import PUBLISHABLE_KEY, WEBHOOK_SECRET, LocalStripe

VISA = "4242424242424242"
DECLINED = "4000000000000002"  # refused when the card is set up (Stripe.js shows the message)
CHARGE_FAILS = "4000000000000341"  # sets up fine, the first charge is declined


class RealAccess:
    """Asks members, the way the paywall does."""

    def has(self, user: Any) -> bool:
        from masthead.access import entitlements

        return bool(entitlements.is_subscriber(user))

    def revoked(self, subscription_id: str) -> bool:
        from masthead.access.models import Grant

        return Grant.objects.filter(kind="subscription", reference=subscription_id, revoked_at__isnull=False).exists()


@pytest.fixture
def access(db: Any) -> RealAccess:
    return RealAccess()


@pytest.fixture
def stripe_env(localstripe: LocalStripe, settings: Any) -> LocalStripe:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    localstripe.flush()  # each test starts with an empty Stripe, as with a fresh test account
    cache.clear()  # the card-form throttle counts per user id, and ids repeat from test to test
    return localstripe


@pytest.fixture
def plan(stripe_env: LocalStripe, db: Any) -> Plan:
    p = Plan.objects.create(name="Digital, monthly", slug="digital-monthly", interval="month", amount=1200, currency="usd")
    return services.sync_plan(plan=p)


@pytest.fixture
def print_plan(stripe_env: LocalStripe, db: Any) -> Plan:
    p = Plan.objects.create(
        name="Digital + Print, annual", slug="digital-print", interval="year", amount=14900, currency="usd", includes_print=True
    )
    return services.sync_plan(plan=p)


def make_reader(name: str) -> Any:
    return get_user_model().objects.create_user(name, f"{name}@example.com", "a-long-password-1")


@pytest.fixture
def reader(db: Any) -> Any:
    return make_reader("reader")


def confirm_card(server: LocalStripe, client_secret: str, number: str = VISA) -> requests.Response:
    """What Stripe.js's confirmCardSetup sends: the card goes to Stripe with the publishable key only."""
    intent = client_secret.split("_secret_")[0]
    body = {
        "key": PUBLISHABLE_KEY,
        "use_stripe_sdk": True,
        "client_secret": client_secret,
        "payment_method_data": {"type": "card", "card": {"number": number, "exp_month": "12", "exp_year": "2030", "cvc": "123"}},
    }
    return requests.post(f"{server.url}/v1/setup_intents/{intent}/confirm", data=json.dumps(body), timeout=10)


def subscribe(server: LocalStripe, user: Any, plan: Plan, number: str = VISA) -> Any:
    """The whole subscribe flow through services, with a card confirmed like Stripe.js does."""
    checkout = services.start_checkout(user=user, plan=plan)
    confirm_card(server, checkout.client_secret, number)
    return services.complete_subscription(user=user, plan=plan, setup_intent_id=checkout.setup_intent_id)


def signed(payload: dict[str, Any] | bytes, *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> tuple[bytes, str]:
    """A body and Stripe-Signature header as Stripe (and localstripe) sign them."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    ts = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return body, f"t={ts},v1={mac}"


def stripe_events(server: LocalStripe, *, types: set[str] | None = None) -> list[dict[str, Any]]:
    """Events localstripe recorded, oldest first, as it would deliver them."""
    rows = requests.get(f"{server.url}/v1/events", params={"limit": 100}, auth=("sk_test_x", ""), timeout=10).json()["data"]
    rows.sort(key=lambda e: e["created"])
    return [e for e in rows if types is None or e["type"] in types]


def stripe_side_subscription(server: LocalStripe, user: Any, plan: Plan, number: str = VISA) -> Any:
    """A subscription that exists at Stripe but not yet in our mirror: only webhooks can tell us about it."""
    import uuid

    provider = services.get_provider()
    customer = services.ensure_customer(user=user, provider=provider)
    intent_id, secret = provider.create_setup_intent(customer_id=customer.stripe_id)
    confirm_card(server, secret, number)
    provider.finish_setup(customer_id=customer.stripe_id, setup_intent_id=intent_id)
    return provider.create_subscription(
        customer_id=customer.stripe_id,
        price_id=plan.stripe_price_id,
        trial_days=0,
        metadata={},
        idempotency_key=str(uuid.uuid4()),
    )


def synthetic_event(event_type: str, obj_type: str, obj_id: str, n: int = 0) -> dict[str, Any]:
    """An event localstripe does not emit (e.g. customer.subscription.updated); handlers re-read the object anyway."""
    return {
        "id": f"evt_synthetic_{obj_id}_{event_type}_{n}",
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "data": {"object": {"id": obj_id, "object": obj_type}},
    }


# --- what happens at Stripe without Masthead: the dashboard, renewals, other tabs ---------------


def stripe_api(server: LocalStripe, method: str, path: str, **data: Any) -> dict[str, Any]:
    """A call straight to (local) Stripe, as its dashboard or its billing clock would make it."""
    where = {"params": data} if method == "GET" else {"data": data}  # a GET's filters go in the query string
    response = requests.request(method, f"{server.url}{path}", auth=("sk_test_x", ""), timeout=10, **where)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def dashboard_refund(server: LocalStripe, charge_id: str) -> dict[str, Any]:
    """A full refund made by staff in Stripe's dashboard: Masthead hears of it only through charge.refunded."""
    return stripe_api(server, "POST", "/v1/refunds", charge=charge_id)


def renewal_invoice(server: LocalStripe, subscription_id: str) -> dict[str, Any]:
    """Stripe's next invoice for a subscription (finalised, not yet paid), as at the end of a period."""
    sub = stripe_api(server, "GET", f"/v1/subscriptions/{subscription_id}")
    return stripe_api(server, "POST", "/v1/invoices", customer=sub["customer"], subscription=subscription_id)


def pay_invoice(server: LocalStripe, invoice_id: str) -> dict[str, Any]:
    """Stripe charging an invoice: an automatic renewal, or the reader paying it from Stripe's hosted page."""
    return stripe_api(server, "POST", f"/v1/invoices/{invoice_id}/pay")


def charge_of(server: LocalStripe, invoice_id: str) -> dict[str, Any]:
    invoice = stripe_api(server, "GET", f"/v1/invoices/{invoice_id}")
    intent = stripe_api(server, "GET", f"/v1/payment_intents/{invoice['payment_intent']}")
    charge = intent["latest_charge"]
    return charge if isinstance(charge, dict) else stripe_api(server, "GET", f"/v1/charges/{charge}")


def refunded_amount(server: LocalStripe, charge_id: str) -> int:
    """What Stripe has given back on a charge; localstripe lets a charge be refunded twice, so this counts."""
    return int(stripe_api(server, "GET", f"/v1/charges/{charge_id}")["amount_refunded"])


def live_at_stripe(server: LocalStripe, customer_id: str) -> list[dict[str, Any]]:
    rows = stripe_api(server, "GET", "/v1/subscriptions", customer=customer_id, status="all")["data"]
    return [s for s in rows if s["status"] in ("active", "trialing", "past_due")]


def deliver(event: dict[str, Any], client: Any = None) -> Any:
    """POST one event to our endpoint, signed with the endpoint's secret: how Stripe delivers it."""
    from django.test import Client
    from django.urls import reverse

    body, header = signed(event)
    return (client or Client()).post(
        reverse("billing:stripe_webhook"), data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )


def change_card(client: Any, server: LocalStripe, number: str) -> Any:
    """The reader replaces the card on file through /billing/payment-method/ (Stripe.js confirms the new card)."""
    from django.urls import reverse

    url = reverse("billing:payment_method")
    html = client.get(url).content.decode()
    secret = html.split('data-client-secret="')[1].split('"')[0]
    assert confirm_card(server, secret, number).status_code == 200
    return client.post(url, {"setup_intent": secret.split("_secret_")[0]})


def change_email(client: Any, new_email: str) -> None:
    """The members flow: ask for the change, then follow the link sent to the new address."""
    from urllib.parse import urlsplit

    from django.core import mail

    client.post("/account/email/", {"new_email": new_email})
    message = [m for m in mail.outbox if new_email in m.to][-1]
    link = next(word for word in message.body.split() if "/account/email/confirm/" in word)
    assert client.post(urlsplit(link).path).status_code == 302


def without_invoice_previews(monkeypatch: Any) -> None:
    """The payment provider as it is, except that Stripe cannot give an invoice preview (an outage, say)."""
    from masthead.billing.provider import PaymentError

    real = services.get_provider()

    class PreviewDown:
        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        def preview_change(self, subscription_id: str, **kwargs: Any) -> Any:
            raise PaymentError("preview: connection refused", retryable=True)

    monkeypatch.setattr(services, "get_provider", lambda: PreviewDown())
