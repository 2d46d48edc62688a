"""Buying a gift: pay once, get a code by email, the recipient redeems it (members); once per payment, whatever repeats."""

from __future__ import annotations

import re
from typing import Any

from django.core import mail
from django.test import Client
from django.urls import reverse

from masthead.access.models import Grant
from masthead.billing import gifts, services
from masthead.billing.models import GiftPurchase, WebhookEvent
from masthead.billing.tests.conftest import CHARGE_FAILS, confirm_card, deliver, make_reader, synthetic_event
from masthead.members.models import GiftCode


def gift_page(client: Client) -> tuple[str, str]:
    html = client.get(reverse("billing:gift")).content.decode()
    secret = html.split('data-client-secret="')[1].split('"')[0]
    return html, secret


def buy(client: Client, server: Any, option: str, card: str = "4242424242424242", **extra: str) -> Any:
    _, secret = gift_page(client)
    confirm_card(server, secret, card)
    data = {"option": option, "setup_intent": secret.split("_secret_")[0], **extra}
    return client.post(reverse("billing:gift"), data), data


def test_a_gift_is_paid_once_emailed_and_redeemed_by_someone_else(
    stripe_env: Any, plan: Any, reader: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    client.force_login(reader)
    html, _ = gift_page(client)
    assert "Digital, monthly: 3 months for $36.00" in html
    with django_capture_on_commit_callbacks(execute=True):
        response, _ = buy(client, stripe_env, f"{plan.slug}:3", recipient_email="friend@example.com", message="Happy birthday")
    purchase = GiftPurchase.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("billing:gift_done", args=[purchase.pk])
    assert purchase.status == GiftPurchase.PAID and purchase.amount == 3600 and purchase.months == 3
    charge = services.get_provider().get_charge(purchase.stripe_charge_id)
    assert charge.amount == 3600 and charge.amount_refunded == 0
    code = purchase.gift_code
    assert GiftCode.objects.get(code=code).months == 3
    assert code in client.get(response["Location"]).content.decode()
    to_buyer = next(m for m in mail.outbox if m.to == [reader.email])
    to_friend = next(m for m in mail.outbox if m.to == ["friend@example.com"])
    assert code in to_buyer.body and code in to_friend.body and "Happy birthday" in to_friend.body

    friend = make_reader("friend")
    other = Client()
    other.force_login(friend)
    assert other.post(reverse("members:gift"), {"code": code.lower()}).status_code == 302
    grant = Grant.objects.get(user=friend, kind="gift")
    assert grant.reference == code


def test_resubmitting_the_form_pays_once(stripe_env: Any, plan: Any, reader: Any) -> None:
    client = Client()
    client.force_login(reader)
    first, data = buy(client, stripe_env, f"{plan.slug}:6")
    again = client.post(reverse("billing:gift"), data)
    assert first["Location"] == again["Location"]
    assert GiftPurchase.objects.count() == 1 and GiftCode.objects.count() == 1
    assert GiftPurchase.objects.get().amount == 7200


def test_the_webhook_and_the_request_make_one_code_and_replays_or_forgeries_none(
    stripe_env: Any, plan: Any, reader: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    client.force_login(reader)
    with django_capture_on_commit_callbacks(execute=True):
        buy(client, stripe_env, f"{plan.slug}:3")
    purchase = GiftPurchase.objects.get()
    event = synthetic_event("payment_intent.succeeded", "payment_intent", purchase.stripe_payment_intent_id)
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(event).status_code == 200  # the webhook after our own request: nothing new
        assert deliver(event).content == b"duplicate"  # a replay of it
        forged = synthetic_event("payment_intent.succeeded", "payment_intent", "pi_forged_does_not_exist")
        assert deliver(forged).status_code == 200  # stored, ignored: Stripe has no such payment
    assert GiftCode.objects.count() == 1 and GiftPurchase.objects.get().gift_code == purchase.gift_code
    assert WebhookEvent.objects.get(stripe_id=forged["id"]).last_error.startswith("ignored")
    assert len([m for m in mail.outbox if "gift code" in m.subject]) == 1


def test_a_payment_for_something_else_never_becomes_a_gift(stripe_env: Any, plan: Any, reader: Any) -> None:
    client = Client()
    client.force_login(reader)
    buy(client, stripe_env, f"{plan.slug}:3")
    purchase = GiftPurchase.objects.get()
    intent = services.get_provider().get_payment_intent(purchase.stripe_payment_intent_id)
    # The same metadata on a payment of another amount (someone's crafted PaymentIntent): no second code.
    from dataclasses import replace

    GiftPurchase.objects.filter(pk=purchase.pk).update(gift_code="", status=GiftPurchase.PENDING)
    gifts.fulfil(replace(intent, amount=100))
    assert GiftPurchase.objects.get().gift_code == "" and GiftCode.objects.count() == 1


def test_a_declined_card_buys_nothing(stripe_env: Any, plan: Any, reader: Any) -> None:
    client = Client()
    client.force_login(reader)
    response, _ = buy(client, stripe_env, f"{plan.slug}:3", card=CHARGE_FAILS)
    assert response.status_code == 400 and "declined" in response.content.decode()
    assert not GiftCode.objects.exists()
    assert GiftPurchase.objects.get().status == GiftPurchase.FAILED


def test_a_made_up_option_is_refused(stripe_env: Any, plan: Any, reader: Any) -> None:
    client = Client()
    client.force_login(reader)
    _, secret = gift_page(client)
    confirm_card(stripe_env, secret)
    response = client.post(reverse("billing:gift"), {"option": f"{plan.slug}:1", "setup_intent": secret.split("_secret_")[0]})
    assert response.status_code == 200 and re.search("Select a valid choice", response.content.decode())
    assert not GiftPurchase.objects.exists()


def test_signed_out_buyers_sign_in_first(stripe_env: Any, plan: Any) -> None:
    assert Client().get(reverse("billing:gift")).status_code == 302
