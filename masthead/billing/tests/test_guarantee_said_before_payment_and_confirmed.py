"""The guarantee: the checkout says whether it applies to this reader, and a refund needs a confirmation."""

from __future__ import annotations

from typing import Any

from django.core import mail
from django.test import Client
from django.urls import reverse

from masthead.billing import guarantee
from masthead.billing.models import GuaranteeClaim, Subscription
from masthead.billing.tests.conftest import subscribe


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_checkout_says_it_applies_to_a_new_reader(stripe_env: Any, plan: Any, reader: Any) -> None:
    page = signed_in(reader).get(reverse("billing:subscribe", args=[plan.slug])).content.decode()
    assert "60-day money-back guarantee: a full refund if you ask within 60 days" in page
    assert "does not apply" not in page


def test_a_reader_who_used_it_is_told_before_paying_and_the_receipt_promises_nothing(
    stripe_env: Any, plan: Any, reader: Any, django_capture_on_commit_callbacks: Any
) -> None:
    subscribe(stripe_env, reader, plan)
    guarantee.claim_guarantee(user=reader)
    page = signed_in(reader).get(reverse("billing:subscribe", args=[plan.slug])).content.decode()
    assert "does not apply to this subscription" in page and "once per reader" in page
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        subscribe(stripe_env, reader, plan)
    receipt = next(m for m in mail.outbox if "receipt" in m.subject)
    assert "full refund" not in receipt.body and "You can cancel anytime, from your account page" in receipt.body


def test_asking_shows_a_confirmation_and_refunds_nothing(stripe_env: Any, plan: Any, reader: Any, access: Any) -> None:
    sub = subscribe(stripe_env, reader, plan)
    page = signed_in(reader).get(reverse("billing:guarantee"))
    html = page.content.decode()
    assert page.status_code == 200 and "Refund in full and end your subscription?" in html and "$12.00" in html
    assert f'name="subscription" value="{sub.stripe_id}"' in html
    assert not GuaranteeClaim.objects.exists() and access.has(reader)


def test_a_confirmation_without_the_subscription_it_was_for_refunds_nothing(
    stripe_env: Any, plan: Any, reader: Any, access: Any
) -> None:
    sub = subscribe(stripe_env, reader, plan)
    client = signed_in(reader)
    for data in ({}, {"subscription": "sub_someone_else"}):
        page = client.post(reverse("billing:guarantee"), data, follow=True).content.decode()
        assert "Nothing was refunded" in page
    assert not GuaranteeClaim.objects.exists() and access.has(reader)
    assert Subscription.objects.get(pk=sub.pk).refunded_at is None


def test_two_tabs_confirming_refund_once(
    stripe_env: Any, plan: Any, reader: Any, django_capture_on_commit_callbacks: Any
) -> None:
    sub = subscribe(stripe_env, reader, plan)
    first, second = signed_in(reader), signed_in(reader)
    first.get(reverse("billing:guarantee"))
    second.get(reverse("billing:guarantee"))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = first.post(reverse("billing:guarantee"), {"subscription": sub.stripe_id}, follow=True).content.decode()
        late = second.post(reverse("billing:guarantee"), {"subscription": sub.stripe_id}, follow=True).content.decode()
    assert "refunded in full" in done and "Nothing was refunded" in late
    assert GuaranteeClaim.objects.count() == 1
    assert len([m for m in mail.outbox if "refund" in m.subject]) == 1
