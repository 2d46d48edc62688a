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


# --- signed, but not a Stripe event we can read: 400, a message that says why, nothing stored ----------


def _signed_post(client: Any, body: bytes) -> Any:
    signed_body, header = signed(body)
    return post(client, signed_body, header)


UNREADABLE = {
    "nested a hundred thousand deep": b'{"id": "evt_deep", "type": "charge.refunded", "data": {"object": '
    + b"[" * 100_000
    + b"]" * 100_000
    + b"}}",
    "nested just past the limit": b'{"id": "evt_deep2", "type": "x", "data": {"object": {"id": "ch_1", "a": '
    + b'{"b": ' * 70
    + b"1"
    + b"}" * 70
    + b"}}}",
    "not UTF-8": b'{"id": "evt_latin1", "type": "caf\xe9", "data": {"object": {}}}',
    "not JSON": b"id=evt_1&type=charge.refunded",
    "a JSON list": b'[{"id": "evt_1"}]',
    "no data": b'{"id": "evt_1", "type": "charge.refunded"}',
    "data.object not an object": b'{"id": "evt_1", "type": "charge.refunded", "data": {"object": "ch_1"}}',
    "id not a string": b'{"id": {"$gt": ""}, "type": "charge.refunded", "data": {"object": {"id": "ch_1"}}}',
    "id too long": b'{"id": "evt_' + b"x" * 200 + b'", "type": "x", "data": {"object": {"id": "ch_1"}}}',
    "empty id": b'{"id": "", "type": "x", "data": {"object": {"id": "ch_1"}}}',
    "type not a string": b'{"id": "evt_1", "type": 7, "data": {"object": {"id": "ch_1"}}}',
    "a 5000-digit number": b'{"id": "evt_1", "type": "x", "created": ' + b"9" * 5000 + b', "data": {"object": {}}}',
    "a handled event naming no object": b'{"id": "evt_1", "type": "charge.refunded", "data": {"object": {"object": "charge"}}}',
    "a handled event with an object id that is not a string": (
        b'{"id": "evt_1", "type": "invoice.paid", "data": {"object": {"id": ["in_1"]}}}'
    ),
}


@pytest.mark.parametrize("what", list(UNREADABLE))
def test_a_signed_body_that_is_not_a_readable_event_is_refused(stripe_env: Any, db: Any, client: Any, what: str) -> None:
    response = _signed_post(client, UNREADABLE[what])
    assert response.status_code == 400, (what, response.content[:200])
    message = response.content.decode()
    assert message.startswith("unreadable event: ") and len(message) > len("unreadable event: "), message
    assert nothing_written()


def test_text_that_a_database_cannot_store_is_kept_readable(stripe_env: Any, db: Any, client: Any) -> None:
    """NUL characters are valid JSON but PostgreSQL's jsonb refuses them: the event is still stored and processed."""
    event = synthetic_event("customer.created", "customer", "cus_nul")
    event["data"]["object"]["name"] = "Ada\u0000Lovelace"
    event["data"]["object"]["metadata"] = {"k\u0000ey": "v"}
    response = _signed_post(client, json.dumps(event).encode())
    assert response.status_code == 200, response.content
    row = WebhookEvent.objects.get()
    assert row.processed_at is not None and "\x00" not in json.dumps(row.payload, ensure_ascii=False)
