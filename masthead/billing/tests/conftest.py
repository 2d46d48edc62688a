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
