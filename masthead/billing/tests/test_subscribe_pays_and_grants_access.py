"""Subscribing through localstripe: a good card pays and grants access; declined cards say so and grant nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from masthead.billing.models import Customer, Payment, Subscription
from masthead.billing.tests.conftest import CHARGE_FAILS, DECLINED, confirm_card, subscribe


def test_visa_subscription_is_paid_mirrored_and_grants_access(
    stripe_env: Any, plan: Any, reader: Any, access: Any, django_capture_on_commit_callbacks: Any
) -> None:
    assert not access.has(reader)

    with django_capture_on_commit_callbacks(execute=True):
        sub = subscribe(stripe_env, reader, plan)

    assert sub.status == "active" and sub.plan == plan
    assert sub.current_period_end is not None and sub.first_paid_at is not None
    payment = Payment.objects.get(subscription=sub)
    assert (payment.amount, payment.currency) == (1200, "usd")
    assert payment.stripe_charge_id.startswith("ch_") and len(payment.card_fingerprint) >= 8
    assert Customer.objects.get(user=reader).card_last4 == "4242"
    assert access.has(reader)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [reader.email]
    assert "receipt" in mail.outbox[0].subject
    assert "$12.00" in mail.outbox[0].body


def test_subscribe_page_posts_setup_intent_and_redirects(
    stripe_env: Any, plan: Any, reader: Any, access: Any, client: Any
) -> None:
    client.force_login(reader)
    page = client.get(reverse("billing:subscribe", args=[plan.slug]))
    assert page.status_code == 200
    html = page.content.decode()
    assert stripe_env.url + "/js.stripe.com/v3/" in html  # the card field is Stripe.js, served by localstripe
    assert 'name="card' not in html  # no card input of ours: card data never posts to us
    checkout_secret = html.split('data-client-secret="')[1].split('"')[0]
    assert confirm_card(stripe_env, checkout_secret).status_code == 200

    done = client.post(
        reverse("billing:subscribe", args=[plan.slug]),
        {"setup_intent": checkout_secret.split("_secret_")[0], "next": "/some/article/"},
    )

    assert done.status_code == 302 and done["Location"] == "/some/article/"
    assert access.has(reader)


def test_card_declined_at_setup_shows_a_clear_message_and_grants_nothing(
    stripe_env: Any, plan: Any, reader: Any, access: Any, client: Any
) -> None:
    client.force_login(reader)
    html = client.get(reverse("billing:subscribe", args=[plan.slug])).content.decode()
    secret = html.split('data-client-secret="')[1].split('"')[0]

    answer = confirm_card(stripe_env, secret, DECLINED)  # what Stripe.js shows on the page
    assert answer.status_code == 402 and answer.json()["error"]["message"] == "Your card was declined."

    # A reader who submits anyway (or a crafted POST) gets a message, not a subscription.
    page = client.post(reverse("billing:subscribe", args=[plan.slug]), {"setup_intent": secret.split("_secret_")[0]})
    assert page.status_code == 200
    assert "could not be confirmed" in page.content.decode()
    assert not Subscription.objects.exists() and not access.has(reader)


def test_first_charge_declined_shows_stripes_message(stripe_env: Any, plan: Any, reader: Any, access: Any, client: Any) -> None:
    client.force_login(reader)
    html = client.get(reverse("billing:subscribe", args=[plan.slug])).content.decode()
    secret = html.split('data-client-secret="')[1].split('"')[0]
    assert confirm_card(stripe_env, secret, CHARGE_FAILS).status_code == 200

    page = client.post(reverse("billing:subscribe", args=[plan.slug]), {"setup_intent": secret.split("_secret_")[0]})

    assert "Your card was declined." in page.content.decode()
    assert not Subscription.objects.filter(status="active").exists()
    assert not Payment.objects.exists() and not access.has(reader)


def test_someone_elses_setup_intent_is_refused(stripe_env: Any, plan: Any, reader: Any, access: Any) -> None:
    from masthead.billing import services
    from masthead.billing.provider import PaymentError
    from masthead.billing.tests.conftest import make_reader

    other = make_reader("other")
    theirs = services.start_checkout(user=other, plan=plan)
    confirm_card(stripe_env, theirs.client_secret)
    services.start_checkout(user=reader, plan=plan)

    with pytest.raises(PaymentError) as refused:
        services.complete_subscription(user=reader, plan=plan, setup_intent_id=theirs.setup_intent_id)
    assert refused.value.code == "wrong_customer"
    assert not access.has(reader)


def test_a_second_subscription_is_refused(stripe_env: Any, plan: Any, reader: Any, access: Any) -> None:
    from masthead.billing import services

    subscribe(stripe_env, reader, plan)
    with pytest.raises(services.BillingError, match="already have an active subscription"):
        services.start_checkout(user=reader, plan=plan)


@pytest.mark.django_db(transaction=True)
def test_double_submitted_form_starts_one_subscription(stripe_env: Any, plan: Any, access: Any) -> None:
    import threading

    import requests
    from django.db import connection
    from django.test import Client

    from masthead.billing import services
    from masthead.billing.tests.conftest import make_reader
    from masthead.testing import builders

    builders.ensure_home()  # pages render with the site's settings: a default Site must exist
    reader = make_reader("doubleclick")
    checkout = services.start_checkout(user=reader, plan=plan)
    confirm_card(stripe_env, checkout.client_secret)
    start = threading.Barrier(4)
    statuses: list[int | str] = []

    def submit() -> None:
        try:
            c = Client()
            c.force_login(reader)
            start.wait()
            response = c.post(reverse("billing:subscribe", args=[plan.slug]), {"setup_intent": checkout.setup_intent_id})
            statuses.append(response.status_code)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            statuses.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    at_stripe = requests.get(
        f"{stripe_env.url}/v1/subscriptions", params={"customer": checkout.customer.stripe_id}, auth=("sk_test_x", ""), timeout=5
    ).json()["data"]
    assert len(at_stripe) == 1  # localstripe ignores idempotency keys: only our lock stops a second one
    assert Subscription.objects.filter(status="active").count() == 1 and access.has(reader)
    # Every click got an answer (the winner's redirect, the others a page), none an error.
    assert len(statuses) == 4 and all(isinstance(s, int) and s < 500 for s in statuses), statuses
