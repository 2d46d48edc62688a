"""The 60-day guarantee is used once per person: the account, its Stripe customer, every address it had, every card it paid with.

Each test checks behaviour, not wording: a refused claim leaves the money at
Stripe where it was, the subscription live and the reader reading.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.urls import reverse

from masthead.billing import guarantee, services
from masthead.billing.models import GuaranteeClaim, Payment, Subscription
from masthead.billing.tests.conftest import (
    VISA,
    change_card,
    change_email,
    make_reader,
    refunded_amount,
    subscribe,
)

MASTERCARD = "5555555555554444"
OTHER_VISA = "4012888888881881"
THIRD_CARD = "4000056655665556"


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assert_claim_refused_and_nothing_refunded(server: Any, user: Any, sub: Any, access: Any) -> None:
    payment = Payment.objects.get(subscription=sub)
    with pytest.raises(services.BillingError):
        guarantee.claim_guarantee(user=user)
    assert refunded_amount(server, payment.stripe_charge_id) == 0
    assert services.get_provider().get_subscription(sub.stripe_id).status == "active"
    assert Subscription.objects.get(pk=sub.pk).refunded_at is None
    assert not GuaranteeClaim.objects.filter(subscription=sub).exists()
    assert access.has(user)


def test_switching_cards_before_claiming_still_uses_up_the_card_that_paid(stripe_env: Any, plan: Any, access: Any) -> None:
    first = make_reader("switcher")
    subscribe(stripe_env, first, plan, VISA)
    assert change_card(signed_in(first), stripe_env, MASTERCARD).status_code == 302  # the default card is now B
    assert guarantee.claim_guarantee(user=first).status == GuaranteeClaim.REFUNDED

    # Failure 1a: a new account paying with card A was refunded again.
    with_card_a = make_reader("cardholder")
    assert_claim_refused_and_nothing_refunded(stripe_env, with_card_a, subscribe(stripe_env, with_card_a, plan, VISA), access)
    # And the card switched to before claiming is used up as well.
    with_card_b = make_reader("otherholder")
    assert_claim_refused_and_nothing_refunded(
        stripe_env, with_card_b, subscribe(stripe_env, with_card_b, plan, MASTERCARD), access
    )


def test_new_email_and_new_card_on_the_same_account_cannot_claim_again(
    stripe_env: Any, plan: Any, reader: Any, access: Any, client: Any
) -> None:
    subscribe(stripe_env, reader, plan, VISA)
    assert guarantee.claim_guarantee(user=reader).status == GuaranteeClaim.REFUNDED

    # Failure 1b: change the address, pay with a card never seen before, claim again.
    client.force_login(reader)
    change_email(client, "someone-else@example.com")
    reader.refresh_from_db()
    assert reader.email == "someone-else@example.com"
    again = subscribe(stripe_env, reader, plan, OTHER_VISA)
    assert_claim_refused_and_nothing_refunded(stripe_env, reader, again, access)

    page = client.post(reverse("billing:guarantee"), {"subscription": again.stripe_id}, follow=True).content.decode()
    assert "once per reader" in page  # the reader is told why, on the account page


def test_an_address_the_reader_used_to_have_is_theirs_too(stripe_env: Any, plan: Any, access: Any) -> None:
    moved = make_reader("moved")  # moved@example.com
    change_email(signed_in(moved), "moved-on@example.com")
    moved.refresh_from_db()
    # The old address is free again: a second account takes it, pays with its own card, claims.
    second = get_user_model().objects.create_user("second", "Moved@example.com", "a-long-password-1")
    subscribe(stripe_env, second, plan, OTHER_VISA)
    assert guarantee.claim_guarantee(user=second).status == GuaranteeClaim.REFUNDED

    # The first account: another user, customer, current address and card, but it once had that address.
    assert_claim_refused_and_nothing_refunded(stripe_env, moved, subscribe(stripe_env, moved, plan, THIRD_CARD), access)


def test_different_people_each_get_their_guarantee(stripe_env: Any, plan: Any, access: Any) -> None:
    """The other side of the rule: nothing shared, nothing refused."""
    for name, card in (("alice", VISA), ("bob", MASTERCARD), ("carol", OTHER_VISA)):
        user = make_reader(name)
        sub = subscribe(stripe_env, user, plan, card)
        assert guarantee.claim_guarantee(user=user).status == GuaranteeClaim.REFUNDED
        payment = Payment.objects.get(subscription=sub)
        assert refunded_amount(stripe_env, payment.stripe_charge_id) == payment.amount
    assert GuaranteeClaim.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_accounts_that_shared_a_card_claiming_at_once_get_one_refund(stripe_env: Any, plan: Any, access: Any) -> None:
    first, second = make_reader("first"), make_reader("second")
    first_sub = subscribe(stripe_env, first, plan, VISA)
    second_sub = subscribe(stripe_env, second, plan, VISA)
    # Both then move to cards of their own, so the card they share is nobody's default any more.
    assert change_card(signed_in(first), stripe_env, MASTERCARD).status_code == 302
    assert change_card(signed_in(second), stripe_env, OTHER_VISA).status_code == 302
    clients = [(signed_in(first), first_sub.stripe_id), (signed_in(second), second_sub.stripe_id)]
    start = threading.Barrier(2)

    def click(c: Client, subscription: str) -> None:
        try:
            start.wait()
            c.post(reverse("billing:guarantee"), {"subscription": subscription})
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=pair) for pair in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    refunded = [
        refunded_amount(stripe_env, Payment.objects.get(subscription=s).stripe_charge_id) for s in (first_sub, second_sub)
    ]
    assert sorted(refunded) == [0, 1200]
    assert GuaranteeClaim.objects.filter(status=GuaranteeClaim.REFUNDED).count() == 1
    assert [access.has(first), access.has(second)].count(True) == 1
