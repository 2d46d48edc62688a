"""The 60-day guarantee: full refund through Stripe, immediate end, once per reader (email or card), once per click storm."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from masthead.access.signals import access_ended
from masthead.billing import guarantee, services
from masthead.billing.models import Customer, GuaranteeClaim, Payment, Subscription
from masthead.billing.tests.conftest import make_reader, subscribe

OTHER_VISA = "4000056655665556"


def test_claim_refunds_in_full_cancels_now_revokes_and_emails(
    stripe_env: Any, plan: Any, reader: Any, access: Any, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    sub = subscribe(stripe_env, reader, plan)
    payment = Payment.objects.get(subscription=sub)
    ended: list[tuple[Any, str]] = []

    def on_end(sender: Any, user: Any, reason: str, **kw: Any) -> None:
        ended.append((user.pk, reason))

    access_ended.connect(on_end)
    client.force_login(reader)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            page = client.post(reverse("billing:guarantee"), {"subscription": sub.stripe_id}, follow=True)
    finally:
        access_ended.disconnect(on_end)

    assert "refunded in full" in page.content.decode()
    provider = services.get_provider()
    charge = provider.get_charge(payment.stripe_charge_id)
    assert charge.amount_refunded == charge.amount == 1200  # in full, once
    assert provider.get_subscription(sub.stripe_id).status == "canceled"
    sub.refresh_from_db()
    assert sub.refunded_at is not None and sub.status == "canceled"
    assert Payment.objects.get(pk=payment.pk).refunded_at is not None
    assert not access.has(reader) and access.revoked(sub.stripe_id)
    assert (reader.pk, "refunded") in ended  # members sends it; narration revokes feed tokens on it
    refund_mails = [m for m in mail.outbox if "refund" in m.subject]
    assert len(refund_mails) == 1 and "$12.00" in refund_mails[0].body
    assert GuaranteeClaim.objects.get().status == GuaranteeClaim.REFUNDED


def test_second_claim_same_email_or_same_card_is_refused_with_a_clear_message(
    stripe_env: Any, plan: Any, reader: Any, access: Any, client: Any
) -> None:
    subscribe(stripe_env, reader, plan)
    guarantee.claim_guarantee(user=reader)

    again = subscribe(stripe_env, reader, plan)  # same reader comes back
    client.force_login(reader)
    page = client.post(reverse("billing:guarantee"), {"subscription": again.stripe_id}, follow=True).content.decode()
    assert "it has already been used" in page
    assert Subscription.objects.get(pk=again.pk).refunded_at is None and access.has(reader)

    same_card = make_reader("samecard")  # new email, same card: still the same person
    theirs = subscribe(stripe_env, same_card, plan)
    with pytest.raises(services.BillingError, match="once per reader"):
        guarantee.claim_guarantee(user=same_card)
    # Refused means no money moved and nothing ended, not only a message.
    charge = services.get_provider().get_charge(Payment.objects.get(subscription=theirs).stripe_charge_id)
    assert charge.amount_refunded == 0 and access.has(same_card)
    assert services.get_provider().get_subscription(theirs.stripe_id).status == "active"

    stranger = make_reader("stranger")  # new email and new card: eligible
    subscribe(stripe_env, stranger, plan, OTHER_VISA)
    assert guarantee.claim_guarantee(user=stranger).status == GuaranteeClaim.REFUNDED
    assert GuaranteeClaim.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_clicks_refund_once(stripe_env: Any, plan: Any, access: Any) -> None:
    reader = make_reader("clicker")
    sub = subscribe(stripe_env, reader, plan)
    payment = Payment.objects.get(subscription=sub)
    mail.outbox.clear()
    start = threading.Barrier(8)
    codes: list[int] = []

    def click() -> None:
        try:
            c = Client()
            c.force_login(reader)
            start.wait()
            codes.append(c.post(reverse("billing:guarantee"), {"subscription": sub.stripe_id}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert codes == [302] * 8
    charge = services.get_provider().get_charge(payment.stripe_charge_id)
    assert charge.amount_refunded == charge.amount  # localstripe would happily refund twice: we did not ask twice
    assert GuaranteeClaim.objects.count() == 1
    assert len([m for m in mail.outbox if "refund" in m.subject]) == 1
    assert not access.has(reader)


@pytest.mark.parametrize(
    ("zone", "now", "eligible"),
    [
        # First payment 2026-01-01 07:30 UTC = Dec 31 23:30 in Los Angeles: day 0 is Dec 31 there.
        ("America/Los_Angeles", datetime(2026, 3, 2, 7, 0, tzinfo=UTC), True),  # Mar 1 23:00 local: day 60
        ("America/Los_Angeles", datetime(2026, 3, 2, 9, 0, tzinfo=UTC), False),  # Mar 2 01:00 local: day 61
        ("UTC", datetime(2026, 3, 2, 23, 59, tzinfo=UTC), True),  # day 60 in UTC
        ("UTC", datetime(2026, 3, 3, 0, 1, tzinfo=UTC), False),  # day 61 in UTC
    ],
)
def test_day_sixty_is_inside_day_sixty_one_is_not(db: Any, settings: Any, zone: str, now: datetime, eligible: bool) -> None:
    settings.TIME_ZONE = zone
    user = make_reader("tz")
    customer = Customer.objects.create(user=user, stripe_id="cus_tz")
    sub = Subscription.objects.create(
        customer=customer, stripe_id="sub_tz", status="active", first_paid_at=datetime(2026, 1, 1, 7, 30, tzinfo=UTC)
    )
    status = guarantee.guarantee_status(sub, now=now)
    assert status.eligible is eligible, status.reason
    if not eligible:
        assert "ended on" in status.reason


def test_readers_own_time_zone_wins(db: Any, settings: Any) -> None:
    settings.TIME_ZONE = "UTC"
    customer = Customer.objects.create(user=make_reader("tokyo"), stripe_id="cus_tokyo", time_zone="Asia/Tokyo")
    # Paid Jan 1 20:00 UTC = Jan 2 05:00 in Tokyo: the last day there is Mar 3, one day later than in UTC.
    sub = Subscription.objects.create(
        customer=customer, stripe_id="sub_tokyo", status="active", first_paid_at=datetime(2026, 1, 1, 20, 0, tzinfo=UTC)
    )
    assert guarantee.guarantee_status(sub, now=datetime(2026, 3, 3, 10, 0, tzinfo=UTC)).eligible  # Mar 3 19:00 Tokyo
    assert not guarantee.guarantee_status(sub, now=datetime(2026, 3, 3, 16, 0, tzinfo=UTC)).eligible  # Mar 4 01:00 Tokyo


def test_refund_webhooks_arriving_while_the_guarantee_refunds_leave_the_ending_to_it(
    stripe_env: Any, plan: Any, reader: Any, access: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Stripe reports our own refund (charge.refunded) at once; it must not end the subscription under the claim's feet."""
    from masthead.billing.stripe_client import StripeProvider
    from masthead.billing.tests.conftest import deliver, synthetic_event

    sub = subscribe(stripe_env, reader, plan)
    payment = Payment.objects.get(subscription=sub)
    real_cancel = StripeProvider.cancel_now
    reported: list[int] = []
    calls: list[str] = []

    def cancel_after_stripe_reported_the_refund(self: Any, subscription_id: str) -> Any:
        calls.append(subscription_id)
        if len(calls) == 1:  # the claim's own call; the webhook's handler may call it too
            reported.append(deliver(synthetic_event("charge.refunded", "charge", payment.stripe_charge_id)).status_code)
        return real_cancel(self, subscription_id)

    monkeypatch.setattr(StripeProvider, "cancel_now", cancel_after_stripe_reported_the_refund)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        claim = guarantee.claim_guarantee(user=reader)

    assert reported == [200]
    assert claim.status == GuaranteeClaim.REFUNDED and not access.has(reader)
    assert services.get_provider().get_subscription(sub.stripe_id).status == "canceled"
    subjects = [m.subject for m in mail.outbox if reader.email in m.to]
    assert len(subjects) == 1 and "your refund" in subjects[0]
    assert "money-back guarantee" in mail.outbox[-1].body
