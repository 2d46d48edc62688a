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

from masthead.billing import admin_views, services
from masthead.billing.models import Plan
from masthead.billing.panels import account_panel, subscriber_numbers
from masthead.billing.provider import PaymentError
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


def _sync_after_save(request: Any, instance: Any) -> None:
    """A saved plan gets a matching Stripe price at once when Stripe is configured."""
    if not isinstance(instance, Plan) or not settings.STRIPE_SECRET_KEY:
        return
    try:
        services.sync_plan(plan=instance)
    except PaymentError as exc:
        log.warning("plan %s not synced to Stripe: %s", instance.slug, exc)
        messages.warning(request, f"Saved, but Stripe did not accept the price yet ({exc}). Run `manage.py sync_plans` later.")


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
