"""Stripe webhooks: verify → store (unique event id) → process in a transaction → mark done.

- A bad signature or a timestamp older than 300 s is refused before anything
  is written (a replayed or forged request leaves no trace but a log line);
  so is a signed body that is not an event we can read (400, saying why).
- The event row is inserted on its own first; its unique stripe_id makes a
  second delivery of the same event a no-op, however many arrive at once.
- Processing re-reads the object from Stripe rather than trusting the event
  body, so late, duplicated or out-of-order events all converge on Stripe's
  current state. It runs in one transaction with the row's processed_at, so a
  failure rolls back every effect and leaves the row with last_error for the
  next delivery or `manage.py retry_webhooks`. Handlers may ask Stripe to
  refund or cancel (refunds.settle) inside that transaction: those calls
  re-read Stripe first and carry idempotency keys, so a rolled-back run that
  already reached Stripe converges when it is retried.
- An event naming an object Stripe does not have is stored as processed
  ("ignored: ..." in last_error) and answered 200: retrying cannot help.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from masthead.billing import mirror, refunds, services
from masthead.billing.models import Customer, WebhookEvent
from masthead.billing.provider import BadSignature, NotFoundAtProvider, PaymentError, PaymentProvider, UnreadableWebhook

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 20


@dataclass(frozen=True)
class Outcome:
    status: int
    message: str


def receive(payload: bytes, signature_header: str, *, provider: PaymentProvider | None = None) -> Outcome:
    provider = provider or services.get_provider()
    try:
        event = provider.parse_webhook(payload, signature_header)
    except BadSignature as exc:
        log.warning("refused Stripe webhook: %s", exc)
        return Outcome(400, "bad signature")
    except UnreadableWebhook as exc:
        log.warning("refused signed Stripe webhook: %s", exc)
        return Outcome(400, f"unreadable event: {exc}")
    if event.type in HANDLERS and not event.object_id:
        log.warning("refused Stripe webhook %s: no object id", event.id)
        return Outcome(400, f"unreadable event: a {event.type} event must name its object (data.object.id)")
    try:
        with transaction.atomic():
            row = WebhookEvent.objects.create(stripe_id=event.id, type=event.type, payload=event.payload)
    except IntegrityError:
        row = WebhookEvent.objects.get(stripe_id=event.id)
        if row.processed_at is not None:
            return Outcome(200, "duplicate")
        # Stored earlier but not yet processed: this delivery is the retry.
    return Outcome(200, "processed") if process(row.pk, provider=provider) else Outcome(500, "failed; kept for retry")


def process(event_pk: int, *, provider: PaymentProvider | None = None) -> bool:
    """Apply one stored event once. True when it is (now or already) processed."""
    provider = provider or services.get_provider()
    try:
        with transaction.atomic():
            row = WebhookEvent.objects.select_for_update().get(pk=event_pk)
            if row.processed_at is not None:
                return True
            handler = HANDLERS.get(row.type)
            note = ""
            if handler is not None:
                try:
                    with transaction.atomic():  # a savepoint: an ignored event leaves none of its writes
                        handler(row.payload["data"]["object"], provider)
                except NotFoundAtProvider as exc:
                    log.warning("Stripe event %s names something Stripe does not have: %s", row.stripe_id, exc)
                    note = f"ignored: {exc}"[:4000]
            row.processed_at = timezone.now()
            row.attempts += 1
            row.last_error = note
            row.save(update_fields=["processed_at", "attempts", "last_error"])
        return True
    except (PaymentError, DatabaseError, KeyError, TypeError, ValueError) as exc:
        # Expected failure modes (Stripe unreachable, database busy, a body we
        # cannot read): record and leave for retry instead of a 500 traceback.
        WebhookEvent.objects.filter(pk=event_pk).update(
            attempts=_attempts(event_pk) + 1, last_error=f"{type(exc).__name__}: {exc}"[:4000]
        )
        log.warning("Stripe event %s failed: %s", event_pk, exc)
        return False


def _attempts(event_pk: int) -> int:
    return WebhookEvent.objects.filter(pk=event_pk).values_list("attempts", flat=True).first() or 0


def retry_pending(*, provider: PaymentProvider | None = None, older_than_seconds: int = 0) -> tuple[int, int]:
    """Process stored events that have not succeeded yet, oldest first. Returns (done, failed)."""
    provider = provider or services.get_provider()
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    pending = WebhookEvent.objects.filter(processed_at__isnull=True, attempts__lt=MAX_ATTEMPTS, received_at__lte=cutoff)
    done = failed = 0
    for pk in pending.order_by("received_at").values_list("pk", flat=True):
        if process(pk, provider=provider):
            done += 1
        else:
            failed += 1
    return done, failed


# --- handlers: each re-reads what the event names --------------------------------


def _on_subscription(obj: dict, provider: PaymentProvider) -> None:
    sub = mirror.apply_subscription(provider.get_subscription(obj["id"]))
    if sub is not None:
        refunds.settle(customer=sub.customer, provider=provider)


def _on_trial_will_end(obj: dict, provider: PaymentProvider) -> None:
    """Stripe's three-day warning: mirror the subscription, then the reminder (once per trial end; billing.trials)."""
    from masthead.billing import trials

    sub = mirror.apply_subscription(provider.get_subscription(obj["id"]))
    if sub is not None:
        trials.remind(subscription_pk=sub.pk)


def _on_invoice(obj: dict, provider: PaymentProvider) -> None:
    invoice = provider.get_invoice(obj["id"])
    if invoice.subscription_id:
        # The subscription first: an invoice may arrive before subscription.created.
        mirror.apply_subscription(provider.get_subscription(invoice.subscription_id))
    mirror.apply_invoice(invoice)
    customer = Customer.objects.filter(stripe_id=invoice.customer_id).first()
    if customer is not None:
        refunds.settle(customer=customer, provider=provider)


def _on_charge_refunded(obj: dict, provider: PaymentProvider) -> None:
    """A refund, ours or made in Stripe's dashboard: mirror it, then the refund rules decide (refunds.py)."""
    charge = provider.get_charge(obj["id"])
    if not charge.fully_refunded:
        return  # a partial refund is goodwill: access and renewals carry on
    payment = refunds.payment_for(charge)
    if payment is None:
        customer = Customer.objects.filter(stripe_id=charge.customer_id).first() if charge.customer_id else None
        if customer is None:
            log.info("charge.refunded for %s: not a payment of this site; ignored", charge.id)
            return
        mirror.sync_customer(customer=customer, provider=provider)  # the refund overtook the payment's own events
        payment = refunds.payment_for(charge)
        if payment is None:
            log.info("charge.refunded for %s: not a subscription payment; ignored", charge.id)
            return
    mirror.record_refund(payment)
    refunds.settle(customer=payment.customer, provider=provider)


def _on_payment_intent(obj: dict, provider: PaymentProvider) -> None:
    """A one-off payment succeeded: if it paid for a gift, that gift gets its code (once; gifts.fulfil)."""
    from masthead.billing import gifts

    gifts.fulfil(provider.get_payment_intent(obj["id"]))


HANDLERS: dict[str, Callable[[dict, PaymentProvider], None]] = {
    "payment_intent.succeeded": _on_payment_intent,
    "customer.subscription.created": _on_subscription,
    "customer.subscription.updated": _on_subscription,
    "customer.subscription.deleted": _on_subscription,
    "customer.subscription.trial_will_end": _on_trial_will_end,
    "invoice.paid": _on_invoice,
    "invoice.payment_succeeded": _on_invoice,
    "invoice.payment_failed": _on_invoice,
    "charge.refunded": _on_charge_refunded,
}
