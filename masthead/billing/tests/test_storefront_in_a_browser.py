"""The storefront in headless Chromium, offline against localstripe (any CSP violation fails the test).

A signed-out reader picks a trial plan, is told which plan on the sign-in step,
signs in and starts the trial; a subscriber pays with a promo code, switches to
the annual plan, asks for the guarantee and confirms it; a buyer pays for a
gift and the recipient redeems it. With MASTHEAD_SCREENS set to a directory,
each page is also captured at 1280 and 390 px wide.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from masthead.billing import promos, services
from masthead.billing.models import GiftPurchase, GuaranteeClaim, Payment, Plan, PromoCode, Subscription
from masthead.billing.tests.conftest import make_reader, subscribe, without_invoice_previews
from masthead.billing.tests.test_subscription_loop_in_a_browser import sign_in, type_card
from masthead.testing.browser import axe, serious

pytestmark = pytest.mark.browser


def shoot(page: Any, name: str) -> None:
    """Screens for people to look at; nothing is asserted on them."""
    where = os.environ.get("MASTHEAD_SCREENS", "")
    if not where:
        return
    Path(where).mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{where}/{name}-{width}.png", full_page=True)
        sideways = page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
        assert not sideways, f"{name} scrolls sideways at {width} px"
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.fixture
def shop(stripe_env: Any, magazine: Any) -> dict[str, Plan]:
    monthly = services.sync_plan(
        plan=Plan.objects.create(name="Digital, monthly", slug="digital-monthly", interval="month", amount=1200, currency="usd")
    )
    annual = services.sync_plan(
        plan=Plan.objects.create(name="Digital, annual", slug="digital-annual", interval="year", amount=9900, currency="usd")
    )
    trial = services.sync_plan(
        plan=Plan.objects.create(
            name="Try it, monthly",
            slug="trial-monthly",
            interval="month",
            amount=1200,
            currency="usd",
            trial_days=14,
            sort_order=9,
        )
    )
    promos.sync_promo(promo=PromoCode.objects.create(code="SPRING25", percent_off=25), provider=services.get_provider())
    return {"monthly": monthly, "annual": annual, "trial": trial}


def test_signed_out_trial_sign_up(page: Any, live_server: Any, shop: dict[str, Plan]) -> None:
    make_reader("trier")
    # Signing in with a password hashes it (about a second alone) and the checkout then talks to
    # localstripe: on a loaded machine that outlasts the fixture's 10 s default.
    page.set_default_timeout(60_000)
    page.set_default_navigation_timeout(60_000)
    page.goto(live_server.url + "/")
    page.locator(".site-header__subscribe").click()
    page.wait_for_url("**/billing/")
    assert page.get_by_text("Save $45.00 a year (31%) against paying monthly").is_visible()
    assert page.get_by_text("two months free").count() == 0
    shoot(page, "plans")
    page.get_by_role("link", name="Start free trial").click()
    assert page.get_by_role("heading", name="Subscribe to Try it, monthly").is_visible()  # the plan, named
    shoot(page, "subscribe-signin")
    page.locator("#signin-email").fill("trier@example.com")
    page.locator("#signin-password").fill("a-long-password-1")
    page.get_by_role("button", name="Sign in and continue").click()
    page.wait_for_url(lambda url: "/billing/subscribe/trial-monthly/" in url)
    assert page.get_by_text("You are signed in.").count() == 0
    assert page.get_by_text("a full refund if you ask within 60 days").is_visible()
    shoot(page, "checkout-trial")
    type_card(page, "4242424242424242")
    page.get_by_role("button", name="Start my 14-day free trial").click()
    page.wait_for_url(lambda url: "/billing/subscribe/" not in url)
    assert Subscription.objects.get().status == "trialing" and not Payment.objects.exists()
    page.goto(live_server.url + "/account/")
    assert page.get_by_text("Free trial until").is_visible()
    assert page.locator(".site-header__subscribe").count() == 0  # a reader who reads as a subscriber is not asked again
    shoot(page, "account-trial")


def test_coupon_plan_change_and_the_guarantee_confirmed(page: Any, live_server: Any, shop: dict[str, Plan]) -> None:
    reader = make_reader("switcher")
    sign_in(page, live_server, reader)
    page.goto(live_server.url + "/billing/subscribe/digital-monthly/")
    page.get_by_label("Promo code").fill("nope")
    page.get_by_role("button", name="Apply").click()
    assert page.get_by_text("“NOPE” is not a promo code we know").is_visible()
    page.get_by_label("Promo code").fill("spring25")
    page.get_by_role("button", name="Apply").click()
    assert page.get_by_text("Today you pay $9.00 instead of $12.00").is_visible()
    shoot(page, "checkout-code")
    type_card(page, "4242424242424242")
    page.get_by_role("button", name="Subscribe for $12.00 / month").click()
    page.wait_for_url(lambda url: "/billing/subscribe/" not in url)
    assert Payment.objects.get().amount == 900

    page.goto(live_server.url + "/account/")
    shoot(page, "account")
    page.get_by_role("link", name="Digital, annual ($99.00 / year)").click()
    # localstripe's figure: the year in full, less what the first (discounted) month cost
    assert page.get_by_text("Today you pay $90.00").is_visible()
    shoot(page, "change-plan")
    page.get_by_role("button", name="Pay $90.00 and switch to Digital, annual").click()
    assert page.get_by_text("You are now on Digital, annual. $90.00 was charged to your card").is_visible()
    assert Subscription.objects.get().plan == shop["annual"]

    page.goto(live_server.url + "/account/")
    page.get_by_role("link", name="Ask for a full refund").click()
    shoot(page, "guarantee-confirm")
    assert GuaranteeClaim.objects.count() == 0
    page.get_by_role("button", name="Yes, refund me and end my subscription").click()
    assert page.get_by_text("refunded in full").first.is_visible()
    assert GuaranteeClaim.objects.get().status == GuaranteeClaim.REFUNDED
    receipt = Payment.objects.order_by("paid_at", "pk").first()
    assert receipt is not None
    page.goto(f"{live_server.url}/billing/receipts/{receipt.pk}/")
    assert page.get_by_text("Discount").is_visible()
    shoot(page, "receipt")


def test_a_plan_change_double_clicked_or_confirmed_in_a_stale_tab_charges_what_was_shown(
    page: Any, live_server: Any, shop: dict[str, Plan], stripe_env: Any
) -> None:
    reader = make_reader("twotabs")
    sub = subscribe(stripe_env, reader, shop["monthly"])
    sign_in(page, live_server, reader)
    to_annual = f"{live_server.url}/billing/change/digital-annual/"
    page.goto(to_annual)
    assert page.get_by_text("Today you pay $87.00").is_visible()
    assert serious(axe(page)) == []
    other_tab = page.context.new_page()
    other_tab.goto(to_annual)
    # the other tab switches to annual (a double click: one change, one charge), then to another monthly plan
    other_tab.get_by_role("button", name="Pay $87.00 and switch to Digital, annual").dblclick()
    other_tab.wait_for_url("**/account/")
    assert Payment.objects.filter(subscription=sub).count() == 2
    other_tab.goto(f"{live_server.url}/billing/change/trial-monthly/")
    assert other_tab.get_by_text("Nothing to pay today").is_visible()
    shoot(other_tab, "change-plan-downgrade")
    other_tab.get_by_role("button", name="Switch to Try it, monthly").click()
    other_tab.wait_for_url("**/account/")
    assert Subscription.objects.get(pk=sub.pk).plan == shop["trial"]

    with page.expect_navigation():
        page.get_by_role("button", name="Pay $87.00 and switch to Digital, annual").click()  # the stale tab
    assert page.url == to_annual, page.url  # back on the confirmation, nothing changed or charged
    assert page.get_by_text("Nothing was charged: your plan changed after this page was opened").is_visible()
    assert "Try it, monthly: $12.00" in page.locator(".change-table").inner_text()  # the plan as it is now, and its figure
    assert page.locator(".change-amount__today").is_visible()
    shoot(page, "change-plan-stale")
    assert serious(axe(page)) == []  # the message and the figure together
    assert Subscription.objects.get(pk=sub.pk).plan == shop["trial"]
    assert Payment.objects.filter(subscription=sub).count() == 2


def test_a_plan_change_without_stripes_figure_promises_it_on_the_receipt(
    page: Any, live_server: Any, shop: dict[str, Plan], stripe_env: Any, monkeypatch: Any
) -> None:
    reader = make_reader("nofigure")
    sub = subscribe(stripe_env, reader, shop["monthly"])
    without_invoice_previews(monkeypatch)  # the live server runs in this process
    sign_in(page, live_server, reader)
    page.goto(f"{live_server.url}/billing/change/digital-annual/")
    assert page.get_by_text("the amount will be shown on your receipt").is_visible()
    assert page.locator(".change-amount").count() == 0
    shoot(page, "change-plan-no-figure")
    page.get_by_role("button", name="Switch to Digital, annual").click()
    assert page.get_by_text("You are now on Digital, annual. $87.00 was charged to your card").is_visible()
    assert Payment.objects.filter(subscription=sub).count() == 2


def test_buying_a_gift_and_redeeming_it(page: Any, live_server: Any, shop: dict[str, Plan], browser: Any) -> None:
    buyer = make_reader("giver")
    sign_in(page, live_server, buyer)
    page.goto(live_server.url + "/billing/gift/")
    page.get_by_label("Digital, annual: 1 year for $99.00").check()
    page.get_by_label("Their email address (optional)").fill("lucky@example.com")
    shoot(page, "gift")
    type_card(page, "4242424242424242")
    page.get_by_role("button", name="Pay for the gift").click()
    page.wait_for_url(lambda url: "/billing/gift/" in url and url.rstrip("/").split("/")[-1].isdigit())
    code = GiftPurchase.objects.get().gift_code
    assert code and page.get_by_text(code).is_visible()
    shoot(page, "gift-done")

    recipient = make_reader("lucky")
    other = browser.new_context(viewport={"width": 390, "height": 900})
    try:
        theirs = other.new_page()
        sign_in(theirs, live_server, recipient)
        theirs.goto(f"{live_server.url}/account/gift/?code={code}")
        theirs.get_by_role("button", name="Redeem").click()
        theirs.wait_for_url(lambda url: "/account/gift/" not in url)
        assert theirs.get_by_text("Gift redeemed").is_visible()
    finally:
        other.close()
