"""Forged, stale or tampered webhooks are refused with 400 and leave nothing behind."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.urls import reverse

from masthead.billing.models import Payment, Subscription, WebhookEvent
from masthead.billing.tests.conftest import signed, synthetic_event

URL = reverse("billing:stripe_webhook")


def post(client: Any, body: bytes, header: str | None) -> Any:
    extra = {"HTTP_STRIPE_SIGNATURE": header} if header is not None else {}
    return client.post(URL, data=body, content_type="application/json", **extra)


def nothing_written() -> bool:
    return not (WebhookEvent.objects.exists() or Subscription.objects.exists() or Payment.objects.exists())


@pytest.fixture
def event() -> dict[str, Any]:
    return synthetic_event("customer.subscription.updated", "subscription", "sub_forged")


def test_wrong_secret_is_refused(stripe_env: Any, db: Any, client: Any, event: Any) -> None:
    body, header = signed(event, secret="whsec_not_ours")
    assert post(client, body, header).status_code == 400
    assert nothing_written()


def test_missing_or_garbled_header_is_refused(stripe_env: Any, db: Any, client: Any, event: Any) -> None:
    body, _ = signed(event)
    for header in (None, "", "t=abc,v1=zz", "v1=deadbeef"):
        assert post(client, body, header).status_code == 400, header
    assert nothing_written()


def test_stale_timestamp_is_refused_even_with_a_valid_signature(stripe_env: Any, db: Any, client: Any, event: Any) -> None:
    body, header = signed(event, at=int(time.time()) - 301)  # Stripe's tolerance is 300 s
    assert post(client, body, header).status_code == 400
    assert nothing_written()


def test_body_changed_after_signing_is_refused(stripe_env: Any, db: Any, client: Any, event: Any) -> None:
    body, header = signed(event)
    reserialised = json.dumps(json.loads(body), indent=2).encode()  # same data, different bytes
    assert post(client, reserialised, header).status_code == 400
    assert nothing_written()


def test_a_signed_fresh_event_is_stored_and_processed(stripe_env: Any, db: Any, client: Any) -> None:
    ignored = synthetic_event("customer.created", "customer", "cus_not_ours")
    body, header = signed(ignored, at=int(time.time()) - 290)
    response = post(client, body, header)
    assert response.status_code == 200
    row = WebhookEvent.objects.get()
    assert row.stripe_id == ignored["id"] and row.processed_at is not None and row.attempts == 1
