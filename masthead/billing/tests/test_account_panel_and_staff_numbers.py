"""The account panel shows plan, next payment, receipts and the guarantee; staff see MRR, subscribers, refunds."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from masthead.billing import services
from masthead.billing.models import Plan
from masthead.billing.panels import subscriber_numbers
from masthead.billing.tests.conftest import make_reader, subscribe


def test_panel_lists_plan_next_payment_receipts_and_guarantee(stripe_env: Any, plan: Any, reader: Any, client: Any) -> None:
    sub = subscribe(stripe_env, reader, plan)
    client.force_login(reader)
    html = client.get(reverse("billing:account")).content.decode()
    assert "Digital, monthly" in html and "$12.00" in html
    assert f"on <strong>{sub.current_period_end:%B} {sub.current_period_end.day}, {sub.current_period_end.year}</strong>" in html
    assert "Visa ending 4242" in html and "•••• 4242" in html
    assert "Ask for a full refund" in html and reverse("billing:guarantee") in html and "Cancel at period end" in html
    assert reverse("billing:payment_method") in html


def test_panel_for_a_reader_without_subscription_offers_plans(reader: Any, client: Any, db: Any) -> None:
    client.force_login(reader)
    html = client.get(reverse("billing:account")).content.decode()
    assert "You don't have an active subscription." in html and "Refund me" not in html


def test_mrr_counts_annual_as_a_twelfth_and_skips_cancelling(stripe_env: Any, plan: Any, db: Any) -> None:
    annual = services.sync_plan(
        plan=Plan.objects.create(name="Digital, annual", slug="digital-annual", interval="year", amount=9600, currency="usd")
    )
    subscribe(stripe_env, make_reader("monthly1"), plan)
    subscribe(stripe_env, make_reader("annual1"), annual)
    leaving = make_reader("leaving")
    subscribe(stripe_env, leaving, plan)
    services.cancel_at_period_end(user=leaving)

    numbers = subscriber_numbers()

    assert numbers["active"] == 3 and numbers["cancelling"] == 1
    assert numbers["mrr"] == {"usd": 1200 + 800}
    assert numbers["mrr_display"] == "$20.00"


def test_staff_see_subscribers_and_can_refund(stripe_env: Any, plan: Any, staff: Any, client: Any) -> None:
    reader = make_reader("refundme")
    sub = subscribe(stripe_env, reader, plan)
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)

    listing = client.get(reverse("billing_admin:subscriptions"), {"q": "refundme@"})
    assert listing.status_code == 200 and "refundme@example.com" in listing.content.decode()
    dashboard = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "active subscribers" in dashboard and "$12.00" in dashboard

    client.post(reverse("billing_admin:refund", args=[sub.pk]))

    sub.refresh_from_db()
    assert sub.refunded_at is not None and sub.status == "canceled"


def test_readers_cannot_reach_the_staff_pages(stripe_env: Any, plan: Any, reader: Any, client: Any) -> None:
    sub = subscribe(stripe_env, reader, plan)
    client.force_login(reader)
    assert client.post(reverse("billing_admin:refund", args=[sub.pk])).status_code in (302, 403)
    sub.refresh_from_db()
    assert sub.refunded_at is None


def test_reader_replaces_the_card_for_future_payments(stripe_env: Any, plan: Any, reader: Any, client: Any) -> None:
    from masthead.billing.models import Customer
    from masthead.billing.tests.conftest import confirm_card

    subscribe(stripe_env, reader, plan)
    client.force_login(reader)
    html = client.get(reverse("billing:payment_method")).content.decode()
    secret = html.split('data-client-secret="')[1].split('"')[0]
    assert confirm_card(stripe_env, secret, "5555555555554444").status_code == 200

    client.post(reverse("billing:payment_method"), {"setup_intent": secret.split("_secret_")[0]})

    customer = Customer.objects.get(user=reader)
    assert customer.card_last4 == "4444"
    import requests

    def stripe_get(path: str) -> Any:
        return requests.get(f"{stripe_env.url}/v1/{path}", auth=("sk_test_x", ""), timeout=5).json()

    default_pm = stripe_get(f"customers/{customer.stripe_id}")["invoice_settings"]["default_payment_method"]
    assert stripe_get(f"payment_methods/{default_pm}")["card"]["last4"] == "4444"  # the card Stripe charges next


def test_plans_page_sends_subscribers_back_to_the_article_they_came_from(stripe_env: Any, plan: Any, client: Any) -> None:
    html = client.get(reverse("billing:plans"), HTTP_REFERER="http://testserver/finance/an-article/").content.decode()
    assert "?next=/finance/an-article/" in html
    elsewhere = client.get(reverse("billing:plans"), HTTP_REFERER="https://evil.example/phish/").content.decode()
    assert "evil.example" not in elsewhere and "?next=" not in elsewhere
