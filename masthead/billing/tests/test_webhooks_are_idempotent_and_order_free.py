"""Duplicate, concurrent and shuffled deliveries converge on Stripe's state with one effect each."""

from __future__ import annotations

import random
import threading
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from masthead.access.models import Grant
from masthead.billing import services
from masthead.billing.models import Payment, Subscription, WebhookEvent
from masthead.billing.tests.conftest import deliver as deliver_response
from masthead.billing.tests.conftest import make_reader, signed, stripe_events, stripe_side_subscription, synthetic_event

URL = reverse("billing:stripe_webhook")


def deliver(event: dict[str, Any], client: Client | None = None) -> int:
    body, header = signed(event)
    return (client or Client()).post(URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header).status_code


@pytest.mark.django_db(transaction=True)
def test_same_event_twenty_times_at_once_has_one_effect(stripe_env: Any, plan: Any, access: Any) -> None:
    reader = make_reader("concurrent")
    info = stripe_side_subscription(stripe_env, reader, plan)
    (paid,) = [
        e
        for e in stripe_events(stripe_env, types={"invoice.payment_succeeded"})
        if e["data"]["object"]["subscription"] == info.id
    ]
    mail.outbox.clear()
    statuses: list[int] = []
    start = threading.Barrier(20)

    def worker() -> None:
        try:
            start.wait()
            statuses.append(deliver(paid))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert statuses == [200] * 20
    assert WebhookEvent.objects.filter(stripe_id=paid["id"]).count() == 1
    assert WebhookEvent.objects.get(stripe_id=paid["id"]).processed_at is not None
    assert Subscription.objects.filter(stripe_id=info.id).count() == 1
    assert Payment.objects.filter(subscription__stripe_id=info.id).count() == 1
    assert len([m for m in mail.outbox if "receipt" in m.subject]) == 1
    assert access.has(reader)


def _final_state(sub_id: str, reader: Any, access: Any) -> tuple[Any, ...]:
    sub = Subscription.objects.get(stripe_id=sub_id)
    return (
        sub.status,
        sub.cancel_at_period_end,
        sub.current_period_end,
        sub.first_paid_at is not None,
        Payment.objects.filter(subscription=sub).count(),
        access.has(reader),
    )


def _reset(access: Any) -> None:
    WebhookEvent.objects.all().delete()
    Payment.objects.all().delete()
    Subscription.objects.all().delete()
    Grant.objects.all().delete()


@pytest.mark.parametrize("ending", ["cancel_at_period_end", "deleted"])
def test_shuffled_events_end_in_stripes_state(stripe_env: Any, plan: Any, access: Any, ending: str) -> None:
    reader = make_reader("shuffled")
    info = stripe_side_subscription(stripe_env, reader, plan)
    provider = services.get_provider()
    events = stripe_events(stripe_env)
    if ending == "cancel_at_period_end":
        provider.set_cancel_at_period_end(info.id, True)
        events.append(synthetic_event("customer.subscription.updated", "subscription", info.id))  # localstripe sends none
        expected = ("active", True, True, 1, True)
    else:
        provider.cancel_now(info.id)
        events = stripe_events(stripe_env)
        expected = ("canceled", False, True, 1, False)
    truth = provider.get_subscription(info.id)

    outcomes = set()
    for seed in range(4):
        _reset(access)
        order = list(events)
        random.Random(seed).shuffle(order)
        for event in order:
            assert deliver(event) == 200
            assert deliver(event) == 200  # and a duplicate of each, for good measure
        state = _final_state(info.id, reader, access)
        assert state[2] == truth.current_period_end
        outcomes.add(state[:2] + state[3:])
    assert outcomes == {expected}


# --- each layer of the dedupe on its own: the stored event id, and processed_at -----------------------


class CountingHandlers:
    """Wraps every handler to count the times an event type is acted on."""

    def __init__(self, monkeypatch: Any) -> None:
        from masthead.billing import webhooks

        self.calls: list[str] = []
        for kind, handler in list(webhooks.HANDLERS.items()):
            monkeypatch.setitem(webhooks.HANDLERS, kind, self._wrap(kind, handler))

    def _wrap(self, kind: str, handler: Any) -> Any:
        def counted(obj: Any, provider: Any) -> Any:
            self.calls.append(kind)
            return handler(obj, provider)

        return counted


def test_a_repeated_delivery_is_answered_as_a_duplicate_without_acting_again(
    stripe_env: Any, plan: Any, reader: Any, monkeypatch: Any
) -> None:
    info = stripe_side_subscription(stripe_env, reader, plan)
    event = synthetic_event("customer.subscription.updated", "subscription", info.id)
    handlers = CountingHandlers(monkeypatch)

    first, again = deliver_response(event), deliver_response(event)

    assert (first.status_code, first.content) == (200, b"processed")
    assert (again.status_code, again.content) == (200, b"duplicate")
    assert handlers.calls == ["customer.subscription.updated"]
    assert WebhookEvent.objects.get(stripe_id=event["id"]).attempts == 1


def test_a_processed_event_is_never_acted_on_again_even_when_stripe_is_down(
    stripe_env: Any, plan: Any, reader: Any, settings: Any, monkeypatch: Any
) -> None:
    from masthead.billing import webhooks

    info = stripe_side_subscription(stripe_env, reader, plan)
    event = synthetic_event("customer.subscription.updated", "subscription", info.id)
    assert deliver(event) == 200
    row = WebhookEvent.objects.get(stripe_id=event["id"])
    handlers = CountingHandlers(monkeypatch)
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there: any call to Stripe now fails

    # A retry sweep, or a second worker that picked the same row, must leave it alone.
    assert webhooks.process(row.pk) is True
    assert webhooks.retry_pending() == (0, 0)

    assert handlers.calls == []
    after = WebhookEvent.objects.get(pk=row.pk)
    assert (after.processed_at, after.attempts, after.last_error) == (row.processed_at, 1, "")
    assert Subscription.objects.get(stripe_id=info.id).is_live
