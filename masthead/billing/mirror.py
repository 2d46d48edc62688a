"""Our copy of what Stripe knows (subscriptions, paid invoices) and the access it implies.

Each function copies Stripe's current state, read fresh by the caller, rather
than stepping through events: deliveries in any order, or twice, end the
same. apply_* run inside the caller's transaction; sync_customer makes its own.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from masthead.billing import emails, grants
from masthead.billing.models import Customer, Payment, Plan, Subscription
from masthead.billing.provider import ENDED_STATUSES, LIVE_STATUSES, InvoiceInfo, PaymentProvider, SubscriptionInfo

log = logging.getLogger(__name__)


def apply_subscription(info: SubscriptionInfo) -> Subscription | None:
    """Make our mirror match Stripe's subscription, then access match the mirror.

    Locks the customer row, so two events about one reader's subscriptions
    (a second live one, say) are applied one after the other and each sees
    the other. Returns None for customers this site did not create.
    """
    customer = Customer.objects.select_for_update(of=("self",)).filter(stripe_id=info.customer_id).select_related("user").first()
    if customer is None:
        log.warning("Stripe subscription %s belongs to unknown customer %s; ignored", info.id, info.customer_id)
        return None
    plan = Plan.objects.filter(stripe_price_id=info.price_id).first() if info.price_id else None
    sub, _ = Subscription.objects.select_for_update().get_or_create(
        stripe_id=info.id, defaults={"customer": customer, "status": info.status, "plan": plan}
    )
    sub.customer = customer
    sub.plan = plan or sub.plan
    sub.status = info.status
    sub.current_period_end = info.current_period_end
    sub.cancel_at_period_end = info.cancel_at_period_end
    sub.started_at = sub.started_at or info.started_at
    if info.status in ENDED_STATUSES:
        sub.ended_at = sub.ended_at or info.canceled_at or timezone.now()
    sub.synced_at = timezone.now()
    sub.save()
    reconcile_access(sub)
    return sub


def apply_invoice(info: InvoiceInfo) -> Payment | None:
    """Record a paid invoice once (the receipt), whether Stripe says it is refunded, and the first payment date."""
    if info.status != "paid" or info.amount_paid <= 0 or info.paid_at is None:
        return None
    customer = Customer.objects.filter(stripe_id=info.customer_id).first()
    if customer is None:
        return None
    sub = Subscription.objects.filter(stripe_id=info.subscription_id).first() if info.subscription_id else None
    payment, created = Payment.objects.get_or_create(
        stripe_invoice_id=info.id,
        defaults={
            "customer": customer,
            "subscription": sub,
            "amount": info.amount_paid,
            "currency": info.currency,
            "paid_at": info.paid_at,
            "stripe_charge_id": info.charge_id,
            "stripe_payment_intent_id": info.payment_intent_id,
            "number": info.number,
            "card_fingerprint": info.card.fingerprint if info.card else "",
            "card_brand": info.card.brand if info.card else "",
            "card_last4": info.card.last4 if info.card else "",
            "subtotal": info.subtotal or info.amount_paid,
            "discount": info.discount,
            "tax": info.tax,
            "tax_description": info.tax_description,
            "description": info.description or (sub.plan.name if sub and sub.plan else ""),
            # The buyer as they are now: the receipt keeps this even if they edit their details later.
            "buyer_name": customer.billing_name,
            "buyer_address": customer.billing_address,
            "buyer_tax_id": customer.tax_id,
        },
    )
    if info.refunded:
        record_refund(payment)
    if sub is not None and (sub.first_paid_at is None or info.paid_at < sub.first_paid_at):
        Subscription.objects.filter(pk=sub.pk).update(first_paid_at=info.paid_at)
    if payment.subscription_id is None and sub is not None:
        Payment.objects.filter(pk=payment.pk).update(subscription=sub)
    if created:
        transaction.on_commit(lambda: _send_receipt(payment.pk))
    return payment


def record_refund(payment: Payment) -> bool:
    """Mark a payment refunded in full (once); True if this call marked it."""
    marked = Payment.objects.filter(pk=payment.pk, refunded_at__isnull=True).update(refunded_at=timezone.now())
    if marked:
        payment.refunded_at = timezone.now()
    return bool(marked)


def _send_receipt(payment_pk: int) -> None:
    """After commit, once: a payment refunded in the same breath (a renewal after a refund) gets no receipt."""
    if not Payment.objects.filter(pk=payment_pk, receipt_sent_at__isnull=True, refunded_at__isnull=True).update(
        receipt_sent_at=timezone.now()
    ):
        return
    from masthead.billing.guarantee import guarantee_status

    payment = Payment.objects.select_related("customer__user", "subscription__plan").get(pk=payment_pk)
    # Promise the refund only to a reader who can still have it (once per person, within the days).
    promise = guarantee_status(payment.subscription) if payment.subscription else None
    emails.send(
        payment.customer.user,
        "receipt",
        payment=payment,
        subscription=payment.subscription,
        guarantee=promise if promise and promise.eligible else None,
    )


def reconcile_access(sub: Subscription) -> None:
    """The single rule from a subscription's state to the reader's access."""
    user = sub.customer.user
    live_until = sub.current_period_end + timedelta(hours=settings.BILLING_GRACE_HOURS) if sub.current_period_end else None
    if sub.is_live and live_until is not None and live_until > timezone.now():
        grants.grant(
            user=user,
            subscription_id=sub.stripe_id,
            ends_at=live_until,
            includes_print=bool(sub.plan and sub.plan.includes_print),
            # Readers see this on their account page: the plan's name, no internal words.
            note=(f"Free trial: {sub.plan.name}" if sub.status == "trialing" else sub.plan.name) if sub.plan else "Subscription",
        )
        if sub.cancel_at_period_end:
            # Will not renew: access ends with the paid period (no renewal grace),
            # and the account page can say "access until" instead of "renews on".
            grants.end(subscription_id=sub.stripe_id, reason="cancelled", at=sub.current_period_end)
    elif sub.refunded_at is not None:
        grants.end(subscription_id=sub.stripe_id, reason="refunded")
    elif sub.status in ENDED_STATUSES:
        grants.end(subscription_id=sub.stripe_id, reason="expired")


def sync_customer(*, customer: Customer, provider: PaymentProvider) -> None:
    """Catch the mirror up with Stripe for one reader, before deciding something on it.

    Used when an event arrives before the ones it depends on (a refund of a
    payment we have not heard of) and before a reader subscribes (Stripe may
    already have a live subscription whose webhooks are still on their way).
    Subscriptions that are live at Stripe, unknown here, or live here are
    re-read, with the invoice that paid their current period.
    """
    known_live = set(Subscription.objects.filter(customer=customer, status__in=LIVE_STATUSES).values_list("stripe_id", flat=True))
    known = set(Subscription.objects.filter(customer=customer).values_list("stripe_id", flat=True))
    for info in provider.list_subscriptions(customer.stripe_id):
        if info.status not in LIVE_STATUSES and info.id in known and info.id not in known_live:
            continue
        invoice = provider.get_invoice(info.latest_invoice_id) if info.latest_invoice_id else None
        with transaction.atomic():
            apply_subscription(info)
            if invoice is not None:
                apply_invoice(invoice)
