"""Changing plan: monthly ↔ yearly with proration at Stripe, digital ↔ print; access follows; once per click storm."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from masthead.access.models import Grant
from masthead.billing import changes, services
from masthead.billing.models import Payment, Plan, Subscription
from masthead.billing.tests.conftest import make_reader, subscribe


@pytest.fixture
def annual(stripe_env: Any, db: Any) -> Plan:
    p = Plan.objects.create(name="Digital, annual", slug="digital-annual", interval="year", amount=9900, currency="usd")
    return services.sync_plan(plan=p)


def test_monthly_to_yearly_charges_the_difference_and_access_runs_a_year(
    stripe_env: Any, plan: Plan, annual: Plan, reader: Any, access: Any
) -> None:
    sub = subscribe(stripe_env, reader, plan)
    monthly_end = sub.current_period_end
    changed = changes.change_plan(user=reader, plan=annual).subscription
    assert changed.pk == sub.pk and changed.plan == annual  # the same subscription, moved
    at_stripe = services.get_provider().get_subscription(sub.stripe_id)
    assert at_stripe.price_id == annual.stripe_price_id
    change_payment = Payment.objects.filter(subscription=sub).order_by("-paid_at", "-pk").first()
    assert change_payment is not None and change_payment.amount == 9900 - 1200  # the unused month credited
    assert changed.current_period_end > monthly_end
    grant = Grant.objects.get(reference=sub.stripe_id)
    assert grant.ends_at > changed.current_period_end and grant.note == "Digital, annual"
    assert access.has(reader)


def test_moving_to_print_needs_an_address_and_then_grants_print(
    stripe_env: Any, plan: Plan, print_plan: Plan, reader: Any
) -> None:
    subscribe(stripe_env, reader, plan)
    with pytest.raises(services.BillingError, match="postal address"):
        changes.change_plan(user=reader, plan=print_plan)
    from masthead.fulfilment.services import save_address

    save_address(
        user=reader, name="Ada Reader", line1="1 Main St", city="Springfield", region="IL", postcode="62701", country="US"
    )
    changed = changes.change_plan(user=reader, plan=print_plan).subscription
    assert Grant.objects.get(reference=changed.stripe_id).includes_print


def test_what_cannot_change_says_why(stripe_env: Any, plan: Plan, annual: Plan, reader: Any, client: Any) -> None:
    client.force_login(reader)
    page = client.get(reverse("billing:change_plan", args=[annual.slug]))
    assert page.status_code == 409 and "You have no active subscription" in page.content.decode()
    subscribe(stripe_env, reader, plan)
    page = client.get(reverse("billing:change_plan", args=[plan.slug]))
    assert page.status_code == 409 and "already on Digital, monthly" in page.content.decode()
    services.cancel_at_period_end(user=reader)
    page = client.get(reverse("billing:change_plan", args=[annual.slug]))
    assert page.status_code == 409 and "Resume it first" in page.content.decode()


def test_the_confirmation_page_changes_nothing(stripe_env: Any, plan: Plan, annual: Plan, reader: Any, client: Any) -> None:
    sub = subscribe(stripe_env, reader, plan)
    client.force_login(reader)
    html = client.get(reverse("billing:change_plan", args=[annual.slug])).content.decode()
    assert "Switch to Digital, annual?" in html and "credited" in html
    assert Subscription.objects.get(pk=sub.pk).plan == plan


@pytest.mark.django_db(transaction=True)
def test_double_clicks_and_two_tabs_change_once(stripe_env: Any, plan: Plan, annual: Plan) -> None:
    reader = make_reader("switcher")
    sub = subscribe(stripe_env, reader, plan)
    url = reverse("billing:change_plan", args=[annual.slug])
    shown = Client()
    shown.force_login(reader)
    # two tabs showing the confirmation (each its own quote), each confirmed twice at once
    quotes = [re.search(r'name="quote" value="([^"]+)"', shown.get(url).content.decode()).group(1) for _ in range(2)]
    start = threading.Barrier(4)

    def click(quote: str) -> None:
        c = Client()
        c.force_login(reader)
        try:
            start.wait()
            c.post(url, {"quote": quote})
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=(quotes[n % 2],)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert Subscription.objects.get(pk=sub.pk).plan == annual
    assert Payment.objects.filter(subscription=sub).count() == 2  # the first month, and one change
