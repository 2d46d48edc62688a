"""Refunds, and the rules that keep money and access in step around them.

The rules (docs/payments.md states them for publishers):

1. A full refund of the payment for the current period (a subscription's
   newest payment) ends access at once and cancels the subscription at
   Stripe, wherever it was made: our guarantee, staff's "Refund & end", or
   Stripe's dashboard (then we hear of it through ``charge.refunded``). A
   refund of an older payment, or a partial one, is goodwill: recorded,
   nothing else changes.
2. A subscription whose access a refund ended keeps no later payment. A
   payment newer than the refunded one (a renewal Stripe charged before the
   cancellation reached it, or the reader paying an old invoice from Stripe's
   hosted page) is refunded at once, the subscription is cancelled at Stripe
   again, access stays ended, and the reader is told. Restoring access
   instead would silently restart a subscription the publisher ended.
3. A reader has at most one live subscription. When a second one shows up
   (made in Stripe's dashboard, or a subscribe whose answer was lost), the
   newer one is cancelled and its payments refunded, and the reader is told.

settle() applies them to one customer from the mirror, re-reading Stripe
before it acts. Every Stripe write here is idempotent (state re-read first,
idempotency keys, rows marked once), so settle() is safe inside a webhook's
transaction, after a rollback, and twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from masthead.billing import emails, mirror
from masthead.billing.models import Customer, Payment, Subscription, format_money
from masthead.billing.provider import LIVE_STATUSES, ChargeInfo, PaymentError, PaymentProvider, RefundInfo

log = logging.getLogger(__name__)
OWN_REFUND_WINDOW = timedelta(minutes=10)


def settle(*, customer: Customer, provider: PaymentProvider) -> None:
    for sub in Subscription.objects.filter(customer=customer, refunded_at__isnull=True).select_related("customer__user"):
        _end_if_current_payment_refunded(sub, provider)
    for sub in Subscription.objects.filter(customer=customer, refunded_at__isnull=False).select_related("customer__user"):
        _refund_payments_after_the_refund(sub, provider)
        if sub.status in LIVE_STATUSES:  # as last mirrored; cancel_now asks Stripe again
            _cancel_at_stripe(sub, provider)
    _cancel_duplicates(customer, provider)


def payment_for(charge: ChargeInfo) -> Payment | None:
    payment = Payment.objects.filter(stripe_charge_id=charge.id).first()
    if payment is None and charge.payment_intent_id:
        payment = Payment.objects.filter(stripe_payment_intent_id=charge.payment_intent_id).first()
    return payment


# --- rule 1 -------------------------------------------------------------------


def _end_if_current_payment_refunded(sub: Subscription, provider: PaymentProvider) -> None:
    """Ends access here; settle() then cancels it at Stripe with every other refund-ended subscription.

    Not for a duplicate (rule 3 refunded it; the reader reads on through the
    other one) nor while Masthead's own refund of it is under way: that flow
    ends it and tells the reader in its own words.
    """
    if sub.duplicate_of_id is not None or _own_refund_under_way(sub):
        return
    newest = sub.payments.order_by("-paid_at", "-pk").first()
    if newest is None or newest.refunded_at is None:
        return
    with transaction.atomic():
        if not Subscription.objects.filter(pk=sub.pk, refunded_at__isnull=True).update(refunded_at=timezone.now()):
            return
        sub.refresh_from_db()
        mirror.reconcile_access(sub)  # refunded_at is set: access ends with reason "refunded"
        emails.send_on_commit(
            sub.customer.user,
            "refund_ended",
            subscription=sub,
            amount_display=format_money(newest.amount, newest.currency),
        )


def _own_refund_under_way(sub: Subscription) -> bool:
    # A flow stuck longer than this (a crash between refunds) is over: the rule applies again.
    return sub.refund_started_at is not None and sub.refund_started_at > timezone.now() - OWN_REFUND_WINDOW


# --- rule 2 -------------------------------------------------------------------


def _refund_payments_after_the_refund(sub: Subscription, provider: PaymentProvider) -> None:
    # Stripe's times are whole seconds: a payment in the same second as the refunded one counts as later.
    cutoff = sub.payments.filter(refunded_at__isnull=False).aggregate(last=Max("paid_at"))["last"] or sub.refunded_at
    for payment in sub.payments.filter(refunded_at__isnull=True, paid_at__gte=cutoff).order_by("paid_at"):
        if _refund_once(payment, key=f"after-refund-{payment.stripe_invoice_id}", provider=provider):
            emails.send_on_commit(sub.customer.user, "renewal_refunded", payment=payment, subscription=sub)


def _cancel_at_stripe(sub: Subscription, provider: PaymentProvider) -> Subscription | None:
    info = provider.cancel_now(sub.stripe_id)
    with transaction.atomic():
        return mirror.apply_subscription(info)


# --- rule 3 -------------------------------------------------------------------


def _cancel_duplicates(customer: Customer, provider: PaymentProvider) -> None:
    newly = _mark_duplicates(customer, provider)
    for extra in Subscription.objects.filter(customer=customer, duplicate_of__isnull=False).select_related("duplicate_of"):
        # Every payment on a duplicate goes back, including one made after it was cancelled (an old invoice paid late).
        refunded = [
            refund
            for payment in extra.payments.filter(refunded_at__isnull=True).order_by("paid_at")
            if (refund := _refund_once(payment, key=f"duplicate-{payment.stripe_invoice_id}", provider=provider))
        ]
        mirrored = _cancel_at_stripe(extra, provider) if extra.status in LIVE_STATUSES else extra
        if extra.pk in newly and mirrored is not None:
            shown = format_money(sum(r.amount for r in refunded), refunded[0].currency) if refunded else ""
            emails.send_on_commit(
                customer.user, "duplicate_refunded", subscription=mirrored, kept=extra.duplicate_of, amount_display=shown
            )
        elif refunded:
            for payment in extra.payments.filter(refund_id__in=[r.id for r in refunded]):
                emails.send_on_commit(customer.user, "renewal_refunded", payment=payment, subscription=extra)


def _mark_duplicates(customer: Customer, provider: PaymentProvider) -> set[int]:
    """Keep the oldest live subscription; mark the others as its duplicates. Returns the ones marked now."""
    candidates = Subscription.objects.live().filter(customer=customer, duplicate_of__isnull=True)
    if candidates.count() < 2:
        return set()
    # The mirror may be behind Stripe (a cancellation whose webhook is on its way): ask before cancelling anything.
    for sub in candidates:
        info = provider.get_subscription(sub.stripe_id)
        with transaction.atomic():
            mirror.apply_subscription(info)
    live = list(candidates.order_by("started_at", "pk"))
    marked: set[int] = set()
    for extra in live[1:]:
        with transaction.atomic():
            if Subscription.objects.filter(pk=extra.pk, duplicate_of__isnull=True).update(duplicate_of=live[0]):
                marked.add(extra.pk)
        log.warning(
            "customer %s had a second live subscription %s: cancelling and refunding it", customer.stripe_id, extra.stripe_id
        )
    return marked


# --- refunding ----------------------------------------------------------------


def _refund_once(payment: Payment, *, key: str, provider: PaymentProvider) -> RefundInfo | None:
    """Refund one payment in full unless that already happened. Holds its row while Stripe is asked."""
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.refunded_at is not None:
            return None
        return refund_in_full(locked, key=key, provider=provider)


def refund_in_full(payment: Payment, *, key: str, provider: PaymentProvider) -> RefundInfo | None:
    """Give one payment back and record it; None if Stripe says it already was (a retry after a lost answer)."""
    if not (payment.stripe_charge_id or payment.stripe_payment_intent_id):
        raise PaymentError(f"payment {payment.stripe_invoice_id} has no charge to refund", retryable=False)
    if payment.stripe_charge_id and provider.get_charge(payment.stripe_charge_id).fully_refunded:
        mirror.record_refund(payment)
        return None
    refund = provider.refund(
        charge_id=payment.stripe_charge_id, payment_intent_id=payment.stripe_payment_intent_id, idempotency_key=key
    )
    Payment.objects.filter(pk=payment.pk, refunded_at__isnull=True).update(refunded_at=timezone.now(), refund_id=refund.id)
    return refund


def refund_and_end(sub: Subscription, *, key: str, provider: PaymentProvider, guarantee: bool) -> tuple[int, str]:
    """Refund every payment of a subscription, cancel it now, end access, email: the guarantee and staff's action.

    Stripe is called outside any transaction; each refund is recorded as soon
    as it is made, so a retry after a failure skips it.
    """
    Subscription.objects.filter(pk=sub.pk).update(refund_started_at=timezone.now())
    total, currency = 0, ""
    for payment in sub.payments.filter(refunded_at__isnull=True).order_by("paid_at"):
        refund = refund_in_full(payment, key=f"{key}-{payment.stripe_invoice_id}", provider=provider)
        if refund is not None:
            total, currency = total + refund.amount, refund.currency or payment.currency
    info = provider.cancel_now(sub.stripe_id)
    with transaction.atomic():
        ended = Subscription.objects.filter(pk=sub.pk, refunded_at__isnull=True).update(refunded_at=timezone.now())
        mirrored = mirror.apply_subscription(info)  # refunded_at is set, so this ends access with reason "refunded"
        if ended and mirrored is not None:  # else a refund webhook got here first and told the reader
            shown = format_money(total, currency) if currency else ""
            emails.send_on_commit(
                mirrored.customer.user, "refund", subscription=mirrored, amount_display=shown, guarantee=guarantee
            )
    return total, currency


def staff_refund(*, subscription: Subscription, provider: PaymentProvider) -> Subscription:
    """Staff action: refund every payment in full, cancel now, end access."""
    refund_and_end(subscription, key=f"staff-refund-{subscription.pk}", provider=provider, guarantee=False)
    subscription.refresh_from_db()
    return subscription
