"""Changing plan (monthly ↔ yearly, digital ↔ print): Stripe prorates, access follows.

The subscription keeps its id; its one item moves to the new price. Stripe
credits the unused part of the old plan on an invoice made at once and charges
the rest (a credit larger than the new price stays on the customer's balance).
The mirror then re-reads the subscription (new plan, new period end) and that
invoice, so the grant follows: print added or removed, the new end date.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from masthead.billing import mirror, services
from masthead.billing.models import Customer, Plan, Subscription
from masthead.billing.provider import PaymentProvider


def check_change(*, user: Any, plan: Plan) -> Subscription:
    """The reader's live subscription if it may move to `plan`; BillingError says why not."""
    sub = services.own_live_subscription(user)
    if not plan.active or not plan.stripe_price_id:
        raise services.BillingError(f"The plan “{plan.name}” is not offered.")
    if sub.plan_id == plan.pk:
        raise services.BillingError(f"You are already on {plan.name}.")
    if sub.cancel_at_period_end:
        raise services.BillingError("Your subscription is set to end. Resume it first, then change plan.")
    if sub.status == "trialing":
        raise services.BillingError("You can change plan once your free trial has turned into a paid subscription.")
    if sub.plan is not None and sub.plan.currency != plan.currency:
        raise services.BillingError("That plan is in another currency. Please contact us to switch.")
    if plan.includes_print and services.postal_address_missing(user):
        raise services.BillingError("The print edition needs a postal address. Please add one first.")
    return sub


def change_plan(*, user: Any, plan: Plan, provider: PaymentProvider | None = None) -> Subscription:
    """Move the reader's subscription to `plan` with proration; once, however many clicks or tabs."""
    provider = provider or services.get_provider()
    sub = check_change(user=user, plan=plan)
    customer = sub.customer
    now = timezone.now()
    free = Q(checkout_started_at__isnull=True) | Q(checkout_started_at__lt=now - timedelta(minutes=2))
    if not Customer.objects.filter(free, pk=customer.pk).update(checkout_started_at=now):
        raise services.BillingError("Your change is already being made. Please wait a moment and reload the page.")
    try:
        sub = check_change(user=user, plan=plan)  # again, inside the reader's lock: another tab may have changed it
        old_plan = sub.plan_id
        info = provider.change_price(
            sub.stripe_id,
            price_id=plan.stripe_price_id,
            idempotency_key=f"masthead-change-{sub.pk}-{old_plan}-{plan.pk}",
        )
        invoice = provider.get_invoice(info.latest_invoice_id) if info.latest_invoice_id else None
        with transaction.atomic():
            changed = mirror.apply_subscription(info)
            if invoice is not None:
                mirror.apply_invoice(invoice)
        assert changed is not None
        changed.refresh_from_db()
        return changed
    finally:
        Customer.objects.filter(pk=customer.pk, checkout_started_at=now).update(checkout_started_at=None)
