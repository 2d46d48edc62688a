"""Cancel anytime: access runs to the period end, resubscribing restores renewal, Stripe's final cancel ends access."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import mail
from django.urls import reverse

from masthead.access.models import Grant
from masthead.billing import services
from masthead.billing.models import Subscription
from masthead.billing.tests.conftest import signed, stripe_events, subscribe


def test_cancel_keeps_access_until_period_end_and_resume_restores(
    stripe_env: Any, plan: Any, reader: Any, access: Any, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    sub = subscribe(stripe_env, reader, plan)
    client.force_login(reader)
    provider = services.get_provider()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("billing:cancel"), {"reason": "Too many unread issues"})
    assert response.status_code == 302

    sub.refresh_from_db()
    assert sub.cancel_at_period_end and sub.cancel_reason == "Too many unread issues"
    assert provider.get_subscription(sub.stripe_id).cancel_at_period_end is True  # Stripe agrees
    assert access.has(reader)  # paid period still runs
    grant = Grant.objects.get(kind="subscription", reference=sub.stripe_id)
    assert grant.ends_at == sub.current_period_end  # no renewal grace once it will not renew
    assert any("will not renew" in m.subject for m in mail.outbox)
    panel = client.get(reverse("billing:account")).content.decode()
    assert "Resume my subscription" in panel and sub.current_period_end.strftime("%B") in panel

    client.post(reverse("billing:resume"))
    sub.refresh_from_db()
    assert not sub.cancel_at_period_end and sub.cancel_reason == ""
    assert provider.get_subscription(sub.stripe_id).cancel_at_period_end is False
    assert access.has(reader)
    grant.refresh_from_db()
    assert grant.ends_at == sub.current_period_end + timedelta(hours=settings.BILLING_GRACE_HOURS)


def test_stripe_ending_the_subscription_ends_access(stripe_env: Any, plan: Any, reader: Any, access: Any, client: Any) -> None:
    sub = subscribe(stripe_env, reader, plan)
    services.cancel_at_period_end(user=reader)
    services.get_provider().cancel_now(sub.stripe_id)  # what Stripe does when the period ends
    (deleted,) = stripe_events(stripe_env, types={"customer.subscription.deleted"})
    body, header = signed(deleted)

    delivered = client.post(reverse("billing:stripe_webhook"), body, "application/json", HTTP_STRIPE_SIGNATURE=header)
    assert delivered.status_code == 200

    assert Subscription.objects.get(pk=sub.pk).status == "canceled"
    assert not access.has(reader)
    assert not access.revoked(sub.stripe_id)  # ended normally: not a refund


def test_cannot_cancel_without_a_subscription(reader: Any, client: Any, stripe_env: Any) -> None:
    client.force_login(reader)
    page = client.post(reverse("billing:cancel"), follow=True)
    assert "You have no active subscription." in page.content.decode()


def test_a_double_click_on_cancel_sends_one_email_and_cancelling_after_a_resume_sends_another(
    stripe_env: Any, plan: Any, reader: Any, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # The review of the merged code (#8): three clicks on "Cancel" sent three "will not renew" emails.
    subscribe(stripe_env, reader, plan)
    client.force_login(reader)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            assert client.post(reverse("billing:cancel"), {"reason": "twice"}).status_code == 302
    assert [m.subject for m in mail.outbox if "will not renew" in m.subject] and len(mail.outbox) == 1
    sub = Subscription.objects.get(customer__user=reader)
    assert sub.cancel_at_period_end and sub.cancel_reason == "twice"

    client.post(reverse("billing:resume"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("billing:cancel"), {"reason": "for real"})
    assert len([m for m in mail.outbox if "will not renew" in m.subject]) == 2
    sub.refresh_from_db()
    assert sub.cancel_at_period_end and sub.cancel_reason == "for real"
