"""Billing in the Wagtail admin (plans, subscribers, MRR) and on the account page."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.template.loader import render_to_string
from django.urls import include, path, reverse
from laces.components import Component
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from masthead.billing import admin_views, promos, services
from masthead.billing.models import Plan, PromoCode, TaxRate
from masthead.billing.panels import account_panel, subscriber_numbers
from masthead.billing.provider import PaymentError
from masthead.core import shells
from masthead.core.templatetags.slots import render_in

log = logging.getLogger(__name__)


class PlanViewSet(SnippetViewSet):
    model = Plan
    icon = "tag"
    menu_label = "Plans"
    menu_order = 300
    add_to_admin_menu = True
    list_display = ["name", "slug", "price_display", "interval", "includes_print", "active", "stripe_price_id"]
    list_filter = ["active", "interval", "includes_print"]


register_snippet(PlanViewSet)


class PromoCodeViewSet(SnippetViewSet):
    model = PromoCode
    icon = "tag"
    menu_label = "Promo codes"
    menu_order = 305
    add_to_admin_menu = True
    list_display = ["code", "description", "active", "expires_at", "max_redemptions", "stripe_coupon_id"]
    list_filter = ["active", "duration"]


class TaxRateViewSet(SnippetViewSet):
    model = TaxRate
    icon = "doc-full"
    menu_label = "Tax rates"
    menu_order = 306
    add_to_admin_menu = True
    list_display = ["display_name", "percentage", "inclusive", "jurisdiction", "active", "stripe_id"]


register_snippet(PromoCodeViewSet)
register_snippet(TaxRateViewSet)


def _sync_after_save(request: Any, instance: Any) -> None:
    """A saved plan, promo code or tax rate gets its Stripe twin at once when Stripe is configured."""
    if not isinstance(instance, Plan | PromoCode | TaxRate) or not settings.STRIPE_SECRET_KEY:
        return
    try:
        if isinstance(instance, Plan):
            services.sync_plan(plan=instance)
        elif isinstance(instance, PromoCode):
            promos.sync_promo(promo=instance, provider=services.get_provider())
        else:
            promos.sync_tax_rate(rate=instance, provider=services.get_provider())
    except PaymentError as exc:
        log.warning("%s not synced to Stripe: %s", instance, exc)
        messages.warning(request, f"Saved, but Stripe did not accept it yet ({exc}). Run `manage.py sync_plans` later.")


hooks.register("after_create_snippet", _sync_after_save)
hooks.register("after_edit_snippet", _sync_after_save)


@hooks.register("masthead_account_panels")
def billing_account_panel(request: Any) -> str | None:
    return account_panel(request)


class SubscriberNumbersPanel(Component):
    order = 50

    def render_html(self, parent_context: Any = None) -> str:
        return render_to_string(
            "billing/admin/numbers_panel.html",
            {"numbers": subscriber_numbers(), "url": reverse("billing_admin:subscriptions")},
        )


@hooks.register("construct_homepage_panels")
def add_numbers_panel(request: Any, panels: list[Any]) -> None:
    if request.user.has_perm(admin_views.PERMISSION):
        panels.append(SubscriberNumbersPanel())


@hooks.register("register_admin_urls")
def billing_admin_urls() -> list[Any]:
    urls = [
        path("", admin_views.subscriptions, name="subscriptions"),
        path("<int:pk>/refund/", admin_views.refund, name="refund"),
    ]
    return [path("billing/subscriptions/", include((urls, "billing_admin"), namespace="billing_admin"))]


@hooks.register("register_admin_menu_item")
def subscriptions_menu_item() -> MenuItem:
    class PermittedMenuItem(MenuItem):
        def is_shown(self, request: Any) -> bool:
            return bool(request.user.has_perm(admin_views.PERMISSION))

    return PermittedMenuItem("Subscribers", reverse("billing_admin:subscriptions"), icon_name="group", order=310)


@hooks.register("masthead_member_stripe_customer_ids")
def member_stripe_customer_ids(user_ids: list[int]) -> dict[int, str]:
    """The members CSV export's stripe_customer_id column (members may not import billing, so it asks this hook)."""
    from masthead.billing.models import Customer

    return dict(Customer.objects.filter(user_id__in=user_ids).values_list("user_id", "stripe_id"))


# --- What billing puts in the slots newsroom's gated pages leave -------------------


@hooks.register("slot:paywall-actions", order=10)
def plans_button(context: Any, **_: Any) -> str:
    return render_in(context, "billing/slots/paywall_actions.html")


@hooks.register("slot:meter-notice-action")
def subscribe_link(context: Any, **_: Any) -> str:
    return render_in(context, "billing/slots/meter_notice_action.html")


# The header's Subscribe button: for everyone who does not read as a subscriber yet
# ("Join", members' free account, sits beside it). In a page shell shared by every
# signed-in reader, each request fills its own (core.shells).
_SUBSCRIBE_BUTTON: list[str] = []


@hooks.register("slot:header-account", order=50)
def header_subscribe(context: Any, **_: Any) -> str:
    recorder = shells.recording()
    if recorder is not None:
        return recorder.hole("subscribe_button")
    return subscribe_button_for(context["request"])


def subscribe_button_for(request: Any) -> str:
    from masthead.access import entitlements

    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and entitlements.is_subscriber(user):
        return ""
    if not _SUBSCRIBE_BUTTON:  # the same for every reader: rendered once per process
        _SUBSCRIBE_BUTTON.append(render_to_string("billing/slots/header_subscribe.html"))
    return _SUBSCRIBE_BUTTON[0]


hooks.register("reader_part:subscribe_button", subscribe_button_for)
