"""A full refund made in Stripe's dashboard ends access; card-testing bursts are throttled."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from masthead.billing import services
from masthead.billing.models import Payment
from masthead.billing.tests.conftest import signed, subscribe, synthetic_event
from masthead.billing.views import CHECKOUTS_PER_WINDOW


def test_dashboard_refund_webhook_marks_payment_and_revokes(
    stripe_env: Any, plan: Any, reader: Any, access: Any, client: Any
) -> None:
    sub = subscribe(stripe_env, reader, plan)
    payment = Payment.objects.get(subscription=sub)
    event = synthetic_event("charge.refunded", "charge", payment.stripe_charge_id)
    body, header = signed(event)

    # Before the money is back, the event changes nothing (handlers trust Stripe, not the event body).
    assert (
        client.post(reverse("billing:stripe_webhook"), body, "application/json", HTTP_STRIPE_SIGNATURE=header).status_code == 200
    )
    assert Payment.objects.get(pk=payment.pk).refunded_at is None and access.has(reader)

    services.get_provider().refund(charge_id=payment.stripe_charge_id, payment_intent_id="", idempotency_key="dashboard")
    body, header = signed({**event, "id": event["id"] + "_2"})
    assert (
        client.post(reverse("billing:stripe_webhook"), body, "application/json", HTTP_STRIPE_SIGNATURE=header).status_code == 200
    )

    assert Payment.objects.get(pk=payment.pk).refunded_at is not None
    assert not access.has(reader) and access.revoked(sub.stripe_id)


def test_too_many_card_forms_are_refused(stripe_env: Any, plan: Any, reader: Any, client: Any) -> None:
    client.force_login(reader)
    url = reverse("billing:subscribe", args=[plan.slug])
    codes = [client.get(url).status_code for _ in range(CHECKOUTS_PER_WINDOW + 1)]
    assert codes[:-1] == [200] * CHECKOUTS_PER_WINDOW
    assert codes[-1] == 429
