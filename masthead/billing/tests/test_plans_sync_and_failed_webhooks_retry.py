"""Plans get Stripe prices (a new price when terms change); a webhook that fails is kept and retried."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from masthead.billing import services, webhooks
from masthead.billing.models import Plan, Subscription, WebhookEvent
from masthead.billing.provider import PaymentError
from masthead.billing.tests.conftest import make_reader, signed, stripe_events, stripe_side_subscription


def test_changed_price_gets_a_new_stripe_price(stripe_env: Any, plan: Any) -> None:
    provider = services.get_provider()
    first = plan.stripe_price_id
    assert services.sync_plan(plan=plan).stripe_price_id == first  # unchanged terms: same price
    plan.amount = 1500
    plan.save()
    second = services.sync_plan(plan=plan).stripe_price_id
    assert second != first
    assert Plan.objects.get(pk=plan.pk).stripe_price_id == second
    sub = stripe_side_subscription(stripe_env, make_reader("newprice"), plan)
    assert provider.get_invoice(sub.latest_invoice_id).amount_paid == 1500


def test_setup_billing_demo_creates_and_syncs_three_plans(stripe_env: Any, db: Any) -> None:
    call_command("setup_billing_demo")
    call_command("setup_billing_demo")  # twice is fine
    plans = {p.slug: p for p in Plan.objects.all()}
    assert set(plans) == {"digital-monthly", "digital-annual", "digital-print-annual"}
    assert plans["digital-print-annual"].includes_print and plans["digital-annual"].interval == "year"
    assert all(p.stripe_price_id for p in plans.values())


def test_failed_processing_is_kept_with_the_error_and_retried(stripe_env: Any, plan: Any, client: Any, monkeypatch: Any) -> None:
    reader = make_reader("retry")
    info = stripe_side_subscription(stripe_env, reader, plan)
    (created,) = [
        e for e in stripe_events(stripe_env, types={"customer.subscription.created"}) if e["data"]["object"]["id"] == info.id
    ]
    real_provider = services.get_provider()

    class StripeDown:
        def __getattr__(self, name: str) -> Any:
            return getattr(real_provider, name)

        def get_subscription(self, subscription_id: str) -> Any:
            raise PaymentError("connection refused", retryable=True)

    monkeypatch.setattr(services, "get_provider", lambda: StripeDown())
    body, header = signed(created)
    response = client.post(reverse("billing:stripe_webhook"), body, "application/json", HTTP_STRIPE_SIGNATURE=header)

    assert response.status_code == 500  # Stripe will retry too
    row = WebhookEvent.objects.get(stripe_id=created["id"])
    assert row.processed_at is None and row.attempts == 1 and "connection refused" in row.last_error
    assert not Subscription.objects.exists()  # nothing half-written

    monkeypatch.setattr(services, "get_provider", lambda: real_provider)
    assert webhooks.retry_pending() == (1, 0)
    row.refresh_from_db()
    assert row.processed_at is not None and row.last_error == ""
    assert Subscription.objects.get(stripe_id=info.id).status == "active"


def test_unconfigured_stripe_is_a_clear_error(settings: Any) -> None:
    settings.STRIPE_SECRET_KEY = ""
    with pytest.raises(PaymentError, match="STRIPE_SECRET_KEY"):
        services.get_provider()


def test_a_price_unknown_to_stripe_is_replaced(stripe_env: Any, plan: Any) -> None:
    Plan.objects.filter(pk=plan.pk).update(stripe_price_id="plan_from_another_account")
    plan.refresh_from_db()
    assert services.sync_plan(plan=plan).stripe_price_id not in ("", "plan_from_another_account")
