"""The email a reader gets about three days before a free trial ends, exactly once per trial end.

Two ways in, one rule: Stripe's ``customer.subscription.trial_will_end`` webhook
(sent three days ahead, or at once for a shorter trial) and the daily
``manage.py send_trial_reminders`` (for a webhook that never came). Both call
``remind``, which locks the subscription row and records the trial end it wrote
about, so a repeated event, a second delivery, or the daily run after the
webhook sends nothing more. A trial whose end moves (extended in Stripe's
dashboard) gets one email for the new end.

During a trial Stripe's current_period_end is the trial's end, which is what
the mirror keeps.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from masthead.billing import emails
from masthead.billing.models import Subscription

REMIND_DAYS_BEFORE = 3


@transaction.atomic
def remind(*, subscription_pk: int, now: datetime | None = None, window: timedelta | None = None) -> bool:
    """Send the trial-ending email for this subscription unless it was sent for this trial end; True if sent.

    ``window``: only when the trial ends within it (the daily run); None trusts the caller's timing (Stripe's).
    """
    now = now or timezone.now()
    # of=self: PostgreSQL cannot lock the nullable side of the outer join to the plan (SQLite never says so).
    rows = Subscription.objects.select_for_update(of=("self",)).select_related("customer__user", "plan")
    sub = rows.filter(pk=subscription_pk).first()
    if sub is None or sub.status != "trialing" or sub.refunded_at is not None or sub.current_period_end is None:
        return False
    ends = sub.current_period_end
    if ends <= now or (window is not None and ends > now + window):
        return False
    if sub.cancel_at_period_end:
        return False  # the reader already said no: nothing will be charged, nothing to remind them of
    if sub.trial_reminder_sent_for == ends:
        return False
    sub.trial_reminder_sent_for = ends
    sub.save(update_fields=["trial_reminder_sent_for"])
    card = sub.customer.card_last4
    emails.send_on_commit(sub.customer.user, "trial_ending", subscription=sub, trial_end=ends, card_last4=card)
    return True


def send_due(*, now: datetime | None = None) -> int:
    """The daily run: every live trial ending within REMIND_DAYS_BEFORE days not yet reminded; returns how many sent."""
    now = now or timezone.now()
    window = timedelta(days=REMIND_DAYS_BEFORE)
    due = Subscription.objects.filter(
        status="trialing", refunded_at__isnull=True, cancel_at_period_end=False,
        current_period_end__gt=now, current_period_end__lte=now + window,
    ).values_list("pk", flat=True)  # fmt: skip
    return sum(remind(subscription_pk=pk, now=now, window=window) for pk in list(due))
