"""Before a plan change is confirmed the reader sees Stripe's own figure for today, and is charged exactly that.

The figure is Stripe's invoice preview (localstripe's stand-in offline), made at
one proration instant that the change then uses too. A confirmation whose figure
is out of date (the plan changed in another tab, the amount moved) charges
nothing and says so; a preview Stripe cannot give leaves the page working and
promises the amount on the receipt, never a number of our own.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from masthead.billing import changes, services
from masthead.billing.models import Payment, Plan, Subscription
from masthead.billing.tests.conftest import stripe_api, subscribe, without_invoice_previews


@pytest.fixture
def annual(stripe_env: Any, db: Any) -> Plan:
    p = Plan.objects.create(name="Digital, annual", slug="digital-annual", interval="year", amount=9900, currency="usd")
    return services.sync_plan(plan=p)


def _page(client: Client, plan: Plan) -> str:
    response = client.get(reverse("billing:change_plan", args=[plan.slug]))
    assert response.status_code == 200, response.content.decode()
    return response.content.decode()


def _quote(html: str) -> str:
    found = re.search(r'name="quote" value="([^"]+)"', html)
    assert found, "the confirmation form carries no quote"
    return found.group(1)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _confirm(client: Client, plan: Plan, quote: str) -> list[str]:
    response = client.post(reverse("billing:change_plan", args=[plan.slug]), {"quote": quote}, follow=True)
    return [str(m) for m in response.context["messages"]]


def _address(user: Any) -> None:
    from masthead.fulfilment.services import save_address

    save_address(user=user, name="Ada Reader", line1="1 Main St", city="Springfield", region="IL", postcode="62701", country="US")


def test_the_page_shows_what_stripe_will_charge_today_and_the_change_charges_exactly_that(
    stripe_env: Any, plan: Plan, annual: Plan, reader: Any, client: Client
) -> None:
    sub = subscribe(stripe_env, reader, plan)
    client.force_login(reader)
    html = _page(client, annual)
    # localstripe's preview: the new plan in full, less the whole of the monthly payment (see stripe_client).
    assert "Today you pay $87.00" in _text(html)
    assert "$99.00 for Digital, annual less $12.00 credit for the unused part of Digital, monthly" in _text(html)
    assert Subscription.objects.get(pk=sub.pk).plan == plan  # showing it changes nothing
    assert Payment.objects.filter(subscription=sub).count() == 1

    said = _confirm(client, annual, _quote(html))

    change = Payment.objects.filter(subscription=sub).order_by("-pk").first()
    assert change is not None and change.amount == 8700  # the figure shown, charged
    invoice = services.get_provider().get_invoice(change.stripe_invoice_id)
    assert invoice.amount_paid == 8700
    assert any("You are now on Digital, annual" in m and "$87.00 was charged" in m for m in said), said


def test_a_change_within_one_interval_is_charged_today_as_shown(
    stripe_env: Any, annual: Plan, print_plan: Plan, reader: Any, client: Client
) -> None:
    sub = subscribe(stripe_env, reader, annual)
    _address(reader)
    client.force_login(reader)
    html = _page(client, print_plan)
    assert "Today you pay $50.00" in _text(html)

    _confirm(client, print_plan, _quote(html))

    change = Payment.objects.filter(subscription=sub).order_by("-pk").first()
    assert change is not None and change.amount == 5000
    assert Subscription.objects.get(pk=sub.pk).plan == print_plan


def test_a_downgrade_says_there_is_nothing_to_pay_today(
    stripe_env: Any, plan: Plan, annual: Plan, reader: Any, client: Client
) -> None:
    sub = subscribe(stripe_env, reader, annual)
    client.force_login(reader)
    html = _page(client, plan)
    assert "Nothing to pay today" in _text(html)
    _confirm(client, plan, _quote(html))
    assert Subscription.objects.get(pk=sub.pk).plan == plan
    assert Payment.objects.filter(subscription=sub).count() == 1  # nothing charged


def test_a_confirmation_left_open_while_the_plan_changed_in_another_tab_charges_nothing(
    stripe_env: Any, plan: Plan, annual: Plan, print_plan: Plan, reader: Any, client: Client
) -> None:
    sub = subscribe(stripe_env, reader, plan)
    _address(reader)
    client.force_login(reader)
    first_tab = _quote(_page(client, annual))  # $87.00, from monthly
    second_tab = Client()
    second_tab.force_login(reader)
    _confirm(second_tab, print_plan, _quote(_page(second_tab, print_plan)))
    paid = Payment.objects.filter(subscription=sub).count()

    response = client.post(reverse("billing:change_plan", args=[annual.slug]), {"quote": first_tab}, follow=True)

    assert Subscription.objects.get(pk=sub.pk).plan == print_plan
    assert Payment.objects.filter(subscription=sub).count() == paid
    said = _text(response.content.decode())  # on the page itself
    assert "Nothing was charged: your plan changed after this page was opened" in said
    # back on the confirmation, with the amount as it is now (from print to digital, annual)
    assert response.redirect_chain[-1][0] == reverse("billing:change_plan", args=[annual.slug])
    assert "Nothing to pay today" in _text(response.content.decode())


def test_an_amount_that_moved_since_the_page_was_shown_is_not_charged(
    stripe_env: Any, plan: Plan, annual: Plan, reader: Any, client: Client
) -> None:
    sub = subscribe(stripe_env, reader, plan)
    client.force_login(reader)
    quote = _quote(_page(client, annual))  # $87.00
    # Something is added to the reader's next invoice meanwhile (staff, in Stripe's dashboard).
    stripe_api(stripe_env, "POST", "/v1/invoiceitems", customer=sub.customer.stripe_id, amount=500, currency="usd")

    response = client.post(reverse("billing:change_plan", args=[annual.slug]), {"quote": quote}, follow=True)

    assert Subscription.objects.get(pk=sub.pk).plan == plan
    assert Payment.objects.filter(subscription=sub).count() == 1
    said = _text(response.content.decode())
    assert "Nothing was charged: the amount for today is now $92.00, not the $87.00 shown" in said
    assert "plus $5.00 of other charges" in said
    assert "Today you pay $92.00" in _text(response.content.decode())


def test_double_submitting_one_confirmation_changes_and_charges_once(
    stripe_env: Any, plan: Plan, annual: Plan, reader: Any, client: Client
) -> None:
    sub = subscribe(stripe_env, reader, plan)
    client.force_login(reader)
    quote = _quote(_page(client, annual))
    _confirm(client, annual, quote)
    said = _confirm(client, annual, quote)
    assert Payment.objects.filter(subscription=sub).count() == 2  # the first month, and one change
    assert any("already on Digital, annual" in m or "Nothing was charged" in m for m in said), said


def test_a_quote_that_is_forged_old_or_missing_charges_nothing(
    stripe_env: Any, plan: Plan, annual: Plan, reader: Any, client: Client
) -> None:
    sub = subscribe(stripe_env, reader, plan)
    client.force_login(reader)
    quote = _quote(_page(client, annual))
    payload = signing.loads(quote, salt=changes.QUOTE_SALT)
    cheaper = signing.dumps({**payload, "amount_due": 1}, salt="not-ours")
    old = signing.dumps({**payload}, salt=changes.QUOTE_SALT)
    for bad in ("", "garbage", cheaper):
        assert any("Nothing was charged" in m for m in _confirm(client, annual, bad))
    later = datetime.now(UTC) + timedelta(seconds=changes.QUOTE_MAX_AGE + 60)
    with pytest.raises(changes.QuoteOutdated, match="Nothing was charged"):
        changes.read_quote(old, user=reader, plan=annual, now=later)
    assert Subscription.objects.get(pk=sub.pk).plan == plan
    assert Payment.objects.filter(subscription=sub).count() == 1


def test_preview_and_change_are_prorated_at_the_same_instant(
    stripe_env: Any, plan: Plan, annual: Plan, reader: Any, client: Client, monkeypatch: Any
) -> None:
    subscribe(stripe_env, reader, plan)
    real = services.get_provider()
    seen: dict[str, list[datetime]] = {"preview": [], "change": []}

    class Recording:
        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        def preview_change(self, subscription_id: str, *, price_id: str, proration_date: datetime) -> Any:
            seen["preview"].append(proration_date)
            return real.preview_change(subscription_id, price_id=price_id, proration_date=proration_date)

        def change_price(self, subscription_id: str, *, proration_date: datetime, **kwargs: Any) -> Any:
            seen["change"].append(proration_date)
            return real.change_price(subscription_id, proration_date=proration_date, **kwargs)

    monkeypatch.setattr(services, "get_provider", lambda: Recording())
    client.force_login(reader)
    quote = _quote(_page(client, annual))
    _confirm(client, annual, quote)
    # shown, checked again on confirming, and the change itself: one instant
    assert len(seen["preview"]) == 2 and len(seen["change"]) == 1
    assert seen["preview"][0] == seen["preview"][1] == seen["change"][0]


def test_without_stripes_figure_the_page_still_works_and_promises_the_amount_on_the_receipt(
    stripe_env: Any, plan: Plan, annual: Plan, reader: Any, client: Client, monkeypatch: Any, caplog: Any
) -> None:
    sub = subscribe(stripe_env, reader, plan)
    without_invoice_previews(monkeypatch)
    client.force_login(reader)
    with caplog.at_level(logging.WARNING, logger="masthead.billing.changes"):
        html = _page(client, annual)
    text = _text(html)
    assert "amount will be shown on your receipt" in text
    assert "Today you pay" not in text and "$87.00" not in text  # no figure of our own
    assert any("preview: connection refused" in r.getMessage() for r in caplog.records)

    said = _confirm(client, annual, _quote(html))  # the reader may still go ahead
    change = Payment.objects.filter(subscription=sub).order_by("-pk").first()
    assert change is not None and change.amount == 8700
    assert any("$87.00 was charged" in m for m in said), said


def test_the_live_stripe_preview_asks_for_the_invoice_the_change_makes_at_that_instant() -> None:
    """What goes to api.stripe.com (no localstripe): create_preview and the update share the proration date."""
    from masthead.billing.stripe_client import StripeProvider

    provider = StripeProvider(secret_key="sk_test_x", publishable_key="pk", webhook_secret="", api_base="", js_url="")
    calls: dict[str, Any] = {}

    class Obj:
        def __init__(self, body: dict[str, Any]) -> None:
            self.body = body

        def to_dict(self) -> dict[str, Any]:
            return self.body

    subscription = {
        "id": "sub_1",
        "customer": "cus_1",
        "status": "active",
        "items": {"data": [{"id": "si_1", "price": {"id": "price_month"}, "current_period_end": 1900000000}]},
    }
    preview = {
        "currency": "usd",
        "amount_due": 8740,
        "total": 8740,
        "subtotal": 8740,
        "lines": {
            "data": [
                {
                    "description": "Unused time on Digital, monthly after 02 Dec 2026",
                    "amount": -1160,
                    "pricing": {"price_details": {"price": "price_month"}},
                },
                {
                    "description": "1 × Digital, annual (at $99.00 / year)",
                    "amount": 9900,
                    "pricing": {"price_details": {"price": "price_year"}},
                },
            ]
        },
    }

    class Subscriptions:
        def retrieve(self, sid: str) -> Obj:
            return Obj(subscription)

        def update(self, sid: str, params: dict[str, Any], options: dict[str, Any]) -> Obj:
            calls["update"] = params
            return Obj(subscription)

    class Invoices:
        def create_preview(self, params: dict[str, Any]) -> Obj:
            calls["preview"] = params
            return Obj(preview)

    provider._c = type("V1", (), {"subscriptions": Subscriptions(), "invoices": Invoices()})()
    at = datetime(2026, 12, 2, 13, 0, tzinfo=UTC)
    shown = provider.preview_change("sub_1", price_id="price_year", proration_date=at)
    provider.change_price("sub_1", price_id="price_year", idempotency_key="k", proration_date=at)

    assert calls["preview"] == {
        "subscription": "sub_1",
        "subscription_details": {
            "items": [{"id": "si_1", "price": "price_year"}],
            "proration_behavior": "always_invoice",
            "proration_date": int(at.timestamp()),
        },
    }
    assert calls["update"]["proration_behavior"] == "always_invoice"
    assert calls["update"]["proration_date"] == int(at.timestamp())
    assert shown.amount_due == 8740 and shown.charges == 9900 and shown.credits == 1160
    assert not shown.charges_are_prorated and shown.credit_kept == 0


def test_stripes_own_lines_are_put_into_words_without_a_figure_of_ours(db: Any) -> None:
    """Shapes localstripe cannot make: a change within one interval prorated both ways, and a credit kept."""
    from masthead.billing.provider import ChangePreview, PreviewLine
    from masthead.billing.views import _amount

    digital = Plan(name="Digital, annual", slug="d", interval="year", amount=9900, currency="usd")
    both = Plan(name="Digital + Print, annual", slug="p", interval="year", amount=14900, currency="usd")
    monthly = Plan(name="Digital, monthly", slug="m", interval="month", amount=1200, currency="usd")
    upgrade = ChangePreview(
        currency="usd",
        amount_due=2310,
        total=2310,
        price_id="price_print",
        lines=(
            PreviewLine("Unused time on Digital, annual after 2 Dec 2026", -4620, "price_digital", proration=True),
            PreviewLine("Remaining time on Digital + Print, annual after 2 Dec 2026", 6930, "price_print", proration=True),
        ),
    )
    words = _amount(upgrade, old=digital, new=both)
    assert words["due_display"] == "$23.10"
    assert words["made_of"] == (
        "$69.30 for the rest of your current year on Digital + Print, annual "
        "less $46.20 credit for the unused part of Digital, annual"
    )
    downgrade = ChangePreview(
        currency="usd",
        amount_due=0,
        total=-7460,
        price_id="price_month",
        lines=(
            PreviewLine("Unused time on Digital, annual after 2 Dec 2026", -8660, "price_digital", proration=True),
            PreviewLine("1 × Digital, monthly (at $12.00 / month)", 1200, "price_month"),
        ),
    )
    words = _amount(downgrade, old=digital, new=monthly)
    assert words["due"] == 0 and words["credit_kept"] == "$74.60"


def test_a_subscriber_who_paid_with_a_promo_code_sees_and_pays_stripes_figure(
    stripe_env: Any, plan: Plan, annual: Plan, reader: Any, client: Client
) -> None:
    from masthead.billing import promos
    from masthead.billing.models import PromoCode
    from masthead.billing.tests.conftest import confirm_card

    promos.sync_promo(promo=PromoCode.objects.create(code="SPRING25", percent_off=25), provider=services.get_provider())
    checkout = services.start_checkout(user=reader, plan=plan)
    confirm_card(stripe_env, checkout.client_secret)
    sub = services.complete_subscription(user=reader, plan=plan, setup_intent_id=checkout.setup_intent_id, code="SPRING25")
    assert Payment.objects.get(subscription=sub).amount == 900
    client.force_login(reader)
    html = _page(client, annual)
    assert "Today you pay $90.00" in _text(html)  # localstripe credits what the first payment was: $9.00

    _confirm(client, annual, _quote(html))

    change = Payment.objects.filter(subscription=sub).order_by("-pk").first()
    assert change is not None and change.amount == 9000
