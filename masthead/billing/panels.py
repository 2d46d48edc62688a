"""The account page's billing panel and the staff numbers (MRR, active subscribers)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from masthead.billing import guarantee, services
from masthead.billing.models import Customer, GiftPurchase, Payment, Plan, Subscription, format_money


def account_panel(request: HttpRequest) -> str | None:
    """HTML for the "masthead_account_panels" hook: plan, next payment, receipts, actions."""
    user = request.user
    if not user.is_authenticated:
        return None
    customer = Customer.objects.filter(user=user).first()
    sub = services.live_subscription(user)
    latest = Subscription.objects.filter(customer=customer).select_related("plan").first() if customer and sub is None else None
    context: dict[str, Any] = {
        "customer": customer,
        "subscription": sub,
        "latest": latest,
        "receipts": Payment.objects.filter(customer=customer)[:24] if customer else [],
        "guarantee": guarantee.guarantee_status(sub) if sub else None,
        "guarantee_days": guarantee.guarantee_days(),
        "next_path": request.get_full_path(),
        "other_plans": list(Plan.objects.filter(active=True).exclude(stripe_price_id="").exclude(pk=sub.plan.pk))
        if sub is not None and sub.plan is not None
        else [],
        "gifts": GiftPurchase.objects.filter(buyer=user, status=GiftPurchase.PAID).select_related("plan")[:12],
    }
    return render_to_string("billing/account_panel.html", context, request=request)


def subscriber_numbers() -> dict[str, Any]:
    """Monthly recurring revenue per currency, and live subscriptions, from the mirror.

    A subscription set to cancel at period end still counts as active (it is
    paid up) but not toward MRR (it will not renew).
    """
    live = Subscription.objects.live().filter(current_period_end__gt=timezone.now()).select_related("plan")
    mrr: dict[str, int] = defaultdict(int)
    cancelling = 0
    for sub in live:
        if sub.cancel_at_period_end:
            cancelling += 1
        elif sub.plan is not None:
            mrr[sub.plan.currency] += sub.plan.monthly_amount
    return {
        "active": live.count(),
        "cancelling": cancelling,
        "mrr": dict(mrr),
        "mrr_display": ", ".join(format_money(v, c) for c, v in sorted(mrr.items())) or format_money(0, "usd"),
    }
