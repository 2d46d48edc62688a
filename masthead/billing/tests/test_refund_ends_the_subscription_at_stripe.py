"""A refund made outside Masthead ends the subscription at Stripe; a renewal after it is refunded; one live subscription each.

Stripe's side is played by localstripe (refunds made "in the dashboard" are
direct API calls; renewals are invoices created and paid at localstripe).
localstripe sends no charge.refunded events, so those are forged here and
signed with the endpoint's secret, exactly as Stripe signs them.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from masthead.access.models import Grant
from masthead.access.signals import access_ended
from masthead.billing import mirror, services
from masthead.billing.models import Customer, Payment, Subscription, WebhookEvent
from masthead.billing.tests.conftest import (
    charge_of,
    confirm_card,
    dashboard_refund,
    deliver,
    live_at_stripe,
    make_reader,
    pay_invoice,
    refunded_amount,
    renewal_invoice,
    stripe_api,
    stripe_events,
    stripe_side_subscription,
    subscribe,
    synthetic_event,
)
from masthead.testing import builders


def refund_event(charge_id: str, n: int = 0) -> dict[str, Any]:
    return synthetic_event("charge.refunded", "charge", charge_id, n)


def events_about(server: Any, object_id: str) -> list[dict[str, Any]]:
    """Everything localstripe recorded about one subscription or invoice, oldest first."""
    return [
        e for e in stripe_events(server) if object_id in (e["data"]["object"].get("id"), e["data"]["object"].get("subscription"))
    ]


def mails_to(user: Any, word: str) -> list[Any]:
    return [m for m in mail.outbox if user.email in m.to and word in m.subject.lower()]


def test_a_dashboard_refund_cancels_the_subscription_at_stripe_and_ends_access(
    stripe_env: Any, plan: Any, reader: Any, access: Any, django_capture_on_commit_callbacks: Any
) -> None:
    sub = subscribe(stripe_env, reader, plan)
    payment = Payment.objects.get(subscription=sub)
    dashboard_refund(stripe_env, payment.stripe_charge_id)

    with django_capture_on_commit_callbacks(execute=True):
        for delivery in (
            refund_event(payment.stripe_charge_id),
            refund_event(payment.stripe_charge_id),
            refund_event(payment.stripe_charge_id, 1),
        ):
            assert deliver(delivery).status_code == 200

    assert services.get_provider().get_subscription(sub.stripe_id).status == "canceled"  # no renewal will be charged
    sub.refresh_from_db()
    assert sub.status == "canceled" and sub.refunded_at is not None
    assert Payment.objects.get(pk=payment.pk).refunded_at is not None
    assert not access.has(reader) and access.revoked(sub.stripe_id)
    assert len(mails_to(reader, "ended")) == 1  # told once, however many deliveries

    # Coming back later starts one new subscription: never two live ones at Stripe.
    again = subscribe(stripe_env, reader, plan)
    assert [s["id"] for s in live_at_stripe(stripe_env, sub.customer.stripe_id)] == [again.stripe_id]
    assert access.has(reader)


def test_a_renewal_paid_after_a_refund_ended_access_is_refunded_at_once(
    stripe_env: Any, plan: Any, reader: Any, access: Any, django_capture_on_commit_callbacks: Any
) -> None:
    sub = subscribe(stripe_env, reader, plan)
    first = Payment.objects.get(subscription=sub)
    unpaid = renewal_invoice(stripe_env, sub.stripe_id)  # the next invoice exists before the refund
    dashboard_refund(stripe_env, first.stripe_charge_id)
    assert deliver(refund_event(first.stripe_charge_id)).status_code == 200
    assert not access.has(reader)

    # The reader then pays that invoice from Stripe's hosted page (localstripe even re-activates the subscription).
    pay_invoice(stripe_env, unpaid["id"])
    paid_events = [e for e in events_about(stripe_env, unpaid["id"]) if e["type"] == "invoice.payment_succeeded"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for event in [*paid_events, *paid_events, synthetic_event("invoice.paid", "invoice", unpaid["id"])]:
            assert deliver(event).status_code == 200

    charge = charge_of(stripe_env, unpaid["id"])
    assert refunded_amount(stripe_env, charge["id"]) == charge["amount"] == 1200  # given back once, in full
    renewal = Payment.objects.get(stripe_invoice_id=unpaid["id"])
    assert renewal.refunded_at is not None
    assert services.get_provider().get_subscription(sub.stripe_id).status == "canceled"
    assert not access.has(reader) and access.revoked(sub.stripe_id)
    assert len(mails_to(reader, "renewal")) == 1
    assert not mails_to(reader, "receipt")  # no receipt for money we gave back at once


def test_refunding_an_earlier_payment_keeps_the_period_the_latest_one_paid_for(
    stripe_env: Any, plan: Any, reader: Any, access: Any
) -> None:
    sub = subscribe(stripe_env, reader, plan)
    first = Payment.objects.get(subscription=sub)
    renewal = pay_invoice(stripe_env, renewal_invoice(stripe_env, sub.stripe_id)["id"])
    for event in events_about(stripe_env, renewal["id"]):
        assert deliver(event).status_code == 200
    assert Payment.objects.filter(subscription=sub).count() == 2

    dashboard_refund(stripe_env, first.stripe_charge_id)  # goodwill on an old month
    assert deliver(refund_event(first.stripe_charge_id)).status_code == 200

    assert Payment.objects.get(pk=first.pk).refunded_at is not None
    assert services.get_provider().get_subscription(sub.stripe_id).status == "active"
    assert Subscription.objects.get(pk=sub.pk).refunded_at is None and access.has(reader)


def test_a_partial_refund_changes_nothing(stripe_env: Any, plan: Any, reader: Any, access: Any) -> None:
    sub = subscribe(stripe_env, reader, plan)
    payment = Payment.objects.get(subscription=sub)
    stripe_api(stripe_env, "POST", "/v1/refunds", charge=payment.stripe_charge_id, amount=500)
    assert deliver(refund_event(payment.stripe_charge_id)).status_code == 200
    assert Payment.objects.get(pk=payment.pk).refunded_at is None and access.has(reader)
    assert services.get_provider().get_subscription(sub.stripe_id).status == "active"


def test_a_refund_that_arrives_before_the_payment_it_refunds_still_ends_access(
    stripe_env: Any, plan: Any, reader: Any, access: Any
) -> None:
    info = stripe_side_subscription(stripe_env, reader, plan)  # at Stripe; Masthead has heard nothing yet
    charge = charge_of(stripe_env, info.latest_invoice_id)
    dashboard_refund(stripe_env, charge["id"])
    later = events_about(stripe_env, info.id) + events_about(stripe_env, info.latest_invoice_id)

    assert deliver(refund_event(charge["id"])).status_code == 200  # first, before any event about the payment
    for event in later:
        assert deliver(event).status_code == 200

    assert services.get_provider().get_subscription(info.id).status == "canceled"
    assert Payment.objects.get(stripe_invoice_id=info.latest_invoice_id).refunded_at is not None
    assert not access.has(reader)


def test_a_refund_event_for_a_charge_that_is_not_ours_changes_nothing(
    stripe_env: Any, plan: Any, reader: Any, access: Any
) -> None:
    sub = subscribe(stripe_env, reader, plan)
    # A one-off charge in the dashboard to a customer this site never made, refunded there.
    stranger = stripe_api(stripe_env, "POST", "/v1/customers", email="walk-in@example.com")
    card = stripe_api(
        stripe_env,
        "POST",
        "/v1/payment_methods",
        type="card",
        **{"card[number]": "4242424242424242", "card[exp_month]": "12", "card[exp_year]": "2030", "card[cvc]": "123"},
    )
    stripe_api(stripe_env, "POST", f"/v1/payment_methods/{card['id']}/attach", customer=stranger["id"])
    theirs = stripe_api(stripe_env, "POST", "/v1/charges", amount=900, currency="usd", customer=stranger["id"], source=card["id"])
    dashboard_refund(stripe_env, theirs["id"])
    before = (list(Payment.objects.values()), list(Subscription.objects.values()), list(Grant.objects.values()))

    for charge_id in (theirs["id"], "ch_never_existed"):
        response = deliver(refund_event(charge_id))
        assert response.status_code == 200, response.content
    assert (list(Payment.objects.values()), list(Subscription.objects.values()), list(Grant.objects.values())) == before
    assert WebhookEvent.objects.filter(processed_at__isnull=True).count() == 0
    assert access.has(reader) and services.get_provider().get_subscription(sub.stripe_id).status == "active"


# --- one live subscription per reader ---------------------------------------------------------


def test_subscribing_when_stripe_already_has_a_live_subscription_is_refused(
    stripe_env: Any, plan: Any, reader: Any, access: Any
) -> None:
    existing = stripe_side_subscription(stripe_env, reader, plan)  # e.g. the first try's answer was lost
    try:
        subscribe(stripe_env, reader, plan)
    except services.BillingError as refused:
        assert "already have an active subscription" in str(refused)
    else:
        raise AssertionError("a second subscription was started")
    assert [s["id"] for s in live_at_stripe(stripe_env, existing.customer_id)] == [existing.id]
    assert Subscription.objects.get(stripe_id=existing.id).is_live and access.has(reader)


def test_a_subscription_ended_by_refund_but_live_at_stripe_is_cancelled_when_the_reader_comes_back(
    stripe_env: Any, plan: Any, reader: Any, access: Any
) -> None:
    old = subscribe(stripe_env, reader, plan)
    # What the old charge.refunded handler left behind: access revoked here, still renewing at Stripe.
    services.get_provider().refund(
        charge_id=Payment.objects.get(subscription=old).stripe_charge_id, payment_intent_id="", idempotency_key="old"
    )
    Subscription.objects.filter(pk=old.pk).update(refunded_at=old.started_at)
    mirror.reconcile_access(Subscription.objects.get(pk=old.pk))
    assert not access.has(reader)

    new = subscribe(stripe_env, reader, plan)

    assert services.get_provider().get_subscription(old.stripe_id).status == "canceled"
    assert [s["id"] for s in live_at_stripe(stripe_env, old.customer.stripe_id)] == [new.stripe_id]
    assert access.has(reader)


def test_a_webhook_revealing_a_second_live_subscription_cancels_and_refunds_the_newer_one(
    stripe_env: Any, plan: Any, reader: Any, access: Any, django_capture_on_commit_callbacks: Any
) -> None:
    kept = subscribe(stripe_env, reader, plan)
    extra = stripe_side_subscription(stripe_env, reader, plan)  # made in Stripe's dashboard, charged at once
    extra_charge = charge_of(stripe_env, extra.latest_invoice_id)
    mail.outbox.clear()
    ended: list[str] = []

    def on_end(sender: Any, user: Any, reason: str, **kw: Any) -> None:
        ended.append(reason)

    access_ended.connect(on_end)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            for event in events_about(stripe_env, extra.id) * 2 + events_about(stripe_env, extra.latest_invoice_id) * 2:
                assert deliver(event).status_code == 200
            # What Stripe sends back about our own refund and cancellation: they must not read as "refunded, ended".
            assert deliver(refund_event(extra_charge["id"])).status_code == 200
            for event in events_about(stripe_env, extra.id):
                assert deliver({**event, "id": event["id"] + "_later"}).status_code == 200
    finally:
        access_ended.disconnect(on_end)

    provider = services.get_provider()
    assert provider.get_subscription(extra.id).status == "canceled"
    assert refunded_amount(stripe_env, extra_charge["id"]) == extra_charge["amount"]  # once, in full
    assert provider.get_subscription(kept.stripe_id).status == "active"
    assert refunded_amount(stripe_env, Payment.objects.get(subscription=kept).stripe_charge_id) == 0
    assert [s["id"] for s in live_at_stripe(stripe_env, Customer.objects.get(user=reader).stripe_id)] == [kept.stripe_id]
    assert access.has(reader) and not access.revoked(kept.stripe_id)
    assert len(mails_to(reader, "second subscription")) == 1
    assert not mails_to(reader, "ended")  # the reader still reads: nothing ended for them
    assert "refunded" not in ended  # so private feeds and downloads are not revoked either
    assert Subscription.objects.get(stripe_id=extra.id).refunded_at is None


@pytest.mark.django_db(transaction=True)
def test_two_tabs_paying_at_once_start_one_subscription(stripe_env: Any, plan: Any, access: Any) -> None:
    builders.ensure_home()  # pages render with the site's settings: a default Site must exist
    reader = make_reader("twotabs")
    tabs = [services.start_checkout(user=reader, plan=plan) for _ in range(2)]  # two card forms, two SetupIntents
    for tab in tabs:
        confirm_card(stripe_env, tab.client_secret)
    start = threading.Barrier(2)
    answers: list[int | str] = []

    def pay(setup_intent_id: str) -> None:
        try:
            client = Client()
            client.force_login(reader)
            start.wait()
            answers.append(
                client.post(reverse("billing:subscribe", args=[plan.slug]), {"setup_intent": setup_intent_id}).status_code
            )
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            answers.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=pay, args=(tab.setup_intent_id,)) for tab in tabs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert sorted(answers, key=str) == [200, 302]  # one welcome, one page saying why not
    assert len(live_at_stripe(stripe_env, tabs[0].customer.stripe_id)) == 1
    assert Payment.objects.count() == 1 and access.has(reader)
