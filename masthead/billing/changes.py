"""Changing plan (monthly ↔ yearly, digital ↔ print): Stripe prorates, access follows.

The subscription keeps its id; its one item moves to the new price. Stripe
credits the unused part of the old plan on an invoice made at once and charges
the rest (a credit larger than the new price stays on the customer's balance).
The mirror then re-reads the subscription (new plan, new period end) and that
invoice, so the grant follows: print added or removed, the new end date.

Before confirming, the reader is shown what today's invoice will be, in Stripe's
own figures (its invoice preview, prorated at one instant). The confirmation
carries a signed quote of what was shown; confirming re-asks Stripe at that same
instant and changes nothing if the figure (or the plan it was shown for) moved,
then makes the change prorated at that instant, so the charge is the figure shown.
When Stripe cannot give a preview the page says the amount will be on the
receipt: we never show a number of our own as the charge.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from masthead.billing import mirror, services
from masthead.billing.models import Customer, Plan, Subscription, format_money
from masthead.billing.provider import ChangePreview, PaymentError, PaymentProvider

log = logging.getLogger(__name__)

QUOTE_SALT = "masthead.billing.change-quote"
# A confirmation older than this is shown again with a fresh figure: Stripe prorates at the
# instant in the quote, which must stay inside the current period, and a day-old price is not news.
QUOTE_MAX_AGE = 30 * 60


class QuoteOutdated(services.BillingError):
    """The confirmation no longer matches the subscription or Stripe's figure: nothing was charged."""


@dataclass(frozen=True)
class Quote:
    """What a confirmation page showed: which change, prorated when, and Stripe's figure (None: not had)."""

    user: int
    subscription: str
    period_end: int  # the subscription's period end then: any change since moves it or the plan
    from_plan: int | None
    to_plan: int
    price: str
    at: int  # the proration instant, a Unix timestamp (Stripe's unit)
    amount_due: int | None
    currency: str

    @property
    def proration_date(self) -> datetime:
        return datetime.fromtimestamp(self.at, tz=UTC)

    def sign(self) -> str:
        return signing.dumps(asdict(self), salt=QUOTE_SALT, compress=True)


@dataclass(frozen=True)
class ChangeOutcome:
    subscription: Subscription
    charged: int | None  # what the change's invoice took from the card; None when it made none
    currency: str
    shown: int | None  # the figure the reader confirmed, if there was one


def preview_change(
    *, user: Any, plan: Plan, provider: PaymentProvider | None = None, now: datetime | None = None
) -> tuple[Subscription, ChangePreview | None, Quote]:
    """Stripe's figure for moving to `plan` now (None if Stripe could not say) and the quote to confirm it with."""
    provider = provider or services.get_provider()
    sub = check_change(user=user, plan=plan)
    at = int((now or timezone.now()).timestamp())
    preview: ChangePreview | None
    try:
        preview = provider.preview_change(
            sub.stripe_id, price_id=plan.stripe_price_id, proration_date=datetime.fromtimestamp(at, tz=UTC)
        )
    except PaymentError as exc:
        # The page still works; it promises the amount on the receipt instead of guessing one.
        log.warning("no invoice preview for %s -> %s: %s", sub.stripe_id, plan.slug, exc)
        preview = None
    quote = Quote(
        user=user.pk,
        subscription=sub.stripe_id,
        period_end=_stamp(sub.current_period_end),
        from_plan=sub.plan_id,
        to_plan=plan.pk,
        price=plan.stripe_price_id,
        at=at,
        amount_due=preview.amount_due if preview else None,
        currency=preview.currency if preview else plan.currency,
    )
    return sub, preview, quote


def _stamp(when: datetime | None) -> int:
    return int(when.timestamp()) if when else 0


def read_quote(token: str, *, user: Any, plan: Plan, now: datetime | None = None) -> Quote:
    """The quote a confirmation form carried, if it is ours, this reader's, for this plan and recent."""
    try:
        quote = Quote(**signing.loads(token, salt=QUOTE_SALT))
    except (signing.BadSignature, TypeError, ValueError) as exc:
        raise QuoteOutdated(
            "Nothing was charged: this confirmation could not be read. Please check the amount and confirm again."
        ) from exc
    if quote.user != user.pk or quote.to_plan != plan.pk:
        raise QuoteOutdated("Nothing was charged: this confirmation was for another change. Please check and confirm again.")
    age = (now or timezone.now()).timestamp() - quote.at
    if not -60 <= age <= QUOTE_MAX_AGE:
        raise QuoteOutdated(
            f"Nothing was charged: this confirmation is more than {QUOTE_MAX_AGE // 60} minutes old. "
            "Please check today's amount and confirm again."
        )
    return quote


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


def change_plan(*, user: Any, plan: Plan, quote: Quote | None = None, provider: PaymentProvider | None = None) -> ChangeOutcome:
    """Move the reader's subscription to `plan` with proration; once, however many clicks or tabs.

    With a quote (the confirmation page's), the change happens only if it still describes the
    subscription and Stripe still gives the figure it showed, prorated at the quote's instant.
    """
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
        at = quote.proration_date if quote else now.replace(microsecond=0)
        if quote is not None:
            _check_quote(quote, sub=sub, plan=plan, provider=provider)
        before = provider.get_subscription(sub.stripe_id).latest_invoice_id
        info = provider.change_price(
            sub.stripe_id,
            price_id=plan.stripe_price_id,
            # The instant is part of the key: the same confirmation twice is one change at Stripe, and
            # moving back and forth within Stripe's 24 hours of keys is a new change each time.
            idempotency_key=f"masthead-change-{sub.pk}-{old_plan}-{plan.pk}-{int(at.timestamp())}",
            proration_date=at,
        )
        new_invoice = info.latest_invoice_id and info.latest_invoice_id != before
        invoice = provider.get_invoice(info.latest_invoice_id) if new_invoice else None
        with transaction.atomic():
            changed = mirror.apply_subscription(info)
            if invoice is not None:
                mirror.apply_invoice(invoice)
        assert changed is not None
        changed.refresh_from_db()
        shown = quote.amount_due if quote else None
        charged = invoice.amount_paid if invoice is not None else None
        if shown is not None and charged is not None and charged != shown:
            log.error("plan change %s charged %s, the reader was shown %s", sub.stripe_id, charged, shown)
        currency = invoice.currency if invoice is not None else (plan.currency)
        return ChangeOutcome(subscription=changed, charged=charged, currency=currency, shown=shown)
    finally:
        Customer.objects.filter(pk=customer.pk, checkout_started_at=now).update(checkout_started_at=None)


def _check_quote(quote: Quote, *, sub: Subscription, plan: Plan, provider: PaymentProvider) -> None:
    """Refuse a confirmation whose change or figure is no longer the one Stripe would make now."""
    shown_for = (quote.subscription, quote.period_end, quote.from_plan, quote.price)
    if shown_for != (sub.stripe_id, _stamp(sub.current_period_end), sub.plan_id, plan.stripe_price_id):
        raise QuoteOutdated(
            "Nothing was charged: your plan changed after this page was opened (in another tab?). "
            "Please check today's amount and confirm again."
        )
    if quote.amount_due is None:
        return  # the page had no figure and said the amount would be on the receipt
    try:
        fresh = provider.preview_change(sub.stripe_id, price_id=plan.stripe_price_id, proration_date=quote.proration_date)
    except PaymentError as exc:
        log.warning("no invoice preview to confirm %s -> %s: %s", sub.stripe_id, plan.slug, exc)
        raise QuoteOutdated(
            "Nothing was charged: we could not confirm today's amount with our payment provider. Please try again."
        ) from exc
    if (fresh.amount_due, fresh.currency.lower()) != (quote.amount_due, quote.currency.lower()):
        raise QuoteOutdated(
            f"Nothing was charged: the amount for today is now {format_money(fresh.amount_due, fresh.currency)}, "
            f"not the {format_money(quote.amount_due, quote.currency)} shown. Please check it and confirm again."
        )
