"""Free trials (with or without a card, one per reader) and promo codes (Stripe coupons), against localstripe."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from masthead.billing import promos, services
from masthead.billing.models import Customer, Payment, Plan, PromoCode, PromoRedemption, Subscription
from masthead.billing.tests.conftest import confirm_card, make_reader, subscribe

OTHER_VISA = "4000056655665556"


@pytest.fixture
def trial_plan(stripe_env: Any, db: Any) -> Plan:
    p = Plan.objects.create(
        name="Digital, trial", slug="digital-trial", interval="month", amount=1200, currency="usd", trial_days=14
    )
    return services.sync_plan(plan=p)


def make_promo(code: str = "SPRING25", **terms: Any) -> PromoCode:
    promo = PromoCode.objects.create(code=code, **({"percent_off": 25} | terms))
    return promos.sync_promo(promo=promo, provider=services.get_provider())


def test_a_trial_with_a_card_charges_nothing_and_grants_access_until_it_ends(
    stripe_env: Any, trial_plan: Plan, reader: Any, access: Any, client: Any
) -> None:
    sub = subscribe(stripe_env, reader, trial_plan)
    assert sub.status == "trialing" and access.has(reader)
    assert sub.current_period_end is not None
    assert abs(sub.current_period_end - (timezone.now() + timedelta(days=14))) < timedelta(minutes=5)
    assert not Payment.objects.exists()  # nothing charged today
    client.force_login(reader)
    html = client.get(reverse("billing:account")).content.decode()
    assert "Free trial until" in html and "charged to your card" in html


def test_a_trial_without_a_card_needs_no_card_form(
    stripe_env: Any, trial_plan: Plan, reader: Any, access: Any, client: Any
) -> None:
    Plan.objects.filter(pk=trial_plan.pk).update(trial_requires_card=False)
    client.force_login(reader)
    page = client.get(reverse("billing:subscribe", args=[trial_plan.slug])).content.decode()
    assert 'id="card-element"' not in page and "No card needed" in page and "Start my 14-day free trial" in page
    response = client.post(reverse("billing:subscribe", args=[trial_plan.slug]), {"setup_intent": ""})
    assert response.status_code == 302
    sub = Subscription.objects.get()
    assert sub.status == "trialing" and access.has(reader)
    html = client.get(reverse("billing:account")).content.decode()
    assert "add a card" in html


def test_one_trial_per_reader_and_per_card(stripe_env: Any, trial_plan: Plan, reader: Any) -> None:
    first = subscribe(stripe_env, reader, trial_plan)
    services.cancel_at_period_end(user=reader)
    assert services.trial_days_for(reader, trial_plan) == 0  # had one: the plans page offers none
    # Someone else with the same card gets no second trial: refused, not charged by surprise.
    other = make_reader("other")
    with pytest.raises(services.BillingError, match="already been used for a free trial"):
        subscribe(stripe_env, other, trial_plan)
    assert Customer.objects.get(user=other).trial_used_at is None
    assert Subscription.objects.filter(customer__user=other).count() == 0
    assert Subscription.objects.get(pk=first.pk).status == "trialing"
    # With a card of their own they get theirs.
    assert subscribe(stripe_env, other, trial_plan, OTHER_VISA).status == "trialing"


def test_a_promo_code_takes_its_discount_off_the_first_payment(stripe_env: Any, plan: Plan, reader: Any) -> None:
    make_promo()
    checkout = services.start_checkout(user=reader, plan=plan)
    confirm_card(stripe_env, checkout.client_secret)
    sub = services.complete_subscription(user=reader, plan=plan, setup_intent_id=checkout.setup_intent_id, code=" spring25 ")
    payment = Payment.objects.get(subscription=sub)
    assert (payment.amount, payment.subtotal, payment.discount) == (900, 1200, 300)
    assert PromoRedemption.objects.get().subscription_id == sub.pk


@pytest.mark.parametrize(
    ("code", "terms", "message"),
    [
        ("NOPE", None, "is not a promo code we know"),
        ("OLD", {"expires_at": timezone.now() - timedelta(days=1)}, "expired on"),
        ("OFF", {"active": False}, "is not a promo code we know"),
        ("EUROS", {"percent_off": None, "amount_off": 500, "currency": "eur"}, "is for prices in EUR"),
    ],
)
def test_a_code_that_cannot_be_used_is_refused_before_the_card_and_charges_nothing(
    stripe_env: Any, plan: Plan, reader: Any, client: Any, code: str, terms: dict[str, Any] | None, message: str
) -> None:
    if terms is not None:
        make_promo(code, **terms)
    client.force_login(reader)
    page = client.get(reverse("billing:subscribe", args=[plan.slug]), {"code": code.lower()})
    assert page.status_code == 400 and message in page.content.decode()
    checkout = services.start_checkout(user=reader, plan=plan)
    confirm_card(stripe_env, checkout.client_secret)
    with pytest.raises(services.BillingError, match=message):
        services.complete_subscription(user=reader, plan=plan, setup_intent_id=checkout.setup_intent_id, code=code)
    assert not Subscription.objects.exists() and not Payment.objects.exists()


def test_a_valid_code_shows_what_is_paid_today(stripe_env: Any, plan: Plan, reader: Any, client: Any) -> None:
    make_promo()
    client.force_login(reader)
    page = client.get(reverse("billing:subscribe", args=[plan.slug]), {"code": "spring25"}).content.decode()
    assert "25% off your first payment" in page and "Today you pay $9.00 instead of $12.00" in page
    assert 'name="code" value="SPRING25"' in page  # carried into the payment form


def test_a_reader_uses_a_code_once(stripe_env: Any, plan: Plan, reader: Any) -> None:
    promo = make_promo()
    sub = subscribe_with_code(stripe_env, reader, plan, promo.code)
    services.cancel_at_period_end(user=reader)
    Subscription.objects.filter(pk=sub.pk).update(status="canceled")
    with pytest.raises(services.BillingError, match="already used the promo code"):
        subscribe_with_code(stripe_env, reader, plan, promo.code)


def subscribe_with_code(server: Any, user: Any, plan: Plan, code: str, card: str = "4242424242424242") -> Subscription:
    checkout = services.start_checkout(user=user, plan=plan)
    confirm_card(server, checkout.client_secret, card)
    return services.complete_subscription(user=user, plan=plan, setup_intent_id=checkout.setup_intent_id, code=code)


@pytest.mark.django_db(transaction=True)
def test_two_readers_racing_for_the_last_use_get_one(stripe_env: Any, plan: Plan) -> None:
    promo = make_promo("LAST1", max_redemptions=1)
    readers = [make_reader("racer1"), make_reader("racer2")]
    intents = []
    for user, card in zip(readers, ("4242424242424242", OTHER_VISA), strict=True):
        checkout = services.start_checkout(user=user, plan=plan)
        confirm_card(stripe_env, checkout.client_secret, card)
        intents.append(checkout.setup_intent_id)
    start = threading.Barrier(2)
    answers: list[str] = []

    def pay(user: Any, intent: str) -> None:
        c = Client()
        c.force_login(user)
        try:
            start.wait()
            answers.append(
                c.post(reverse("billing:subscribe", args=[plan.slug]), {"setup_intent": intent, "code": "last1"}).content.decode()
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=pay, args=pair) for pair in zip(readers, intents, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert PromoRedemption.objects.filter(promo=promo).count() == 1
    assert sum("has been used up" in a for a in answers) == 1
    assert Payment.objects.count() == 1 and Payment.objects.get().amount == 900  # the refused reader paid nothing
