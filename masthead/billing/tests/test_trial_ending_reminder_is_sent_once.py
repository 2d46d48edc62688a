"""A reader on a free trial gets one email about three days before it ends: from Stripe's
customer.subscription.trial_will_end or from the daily run, whichever comes first, and never twice
however often either repeats (against localstripe; the events are delivered signed, as Stripe would)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command

from masthead.billing import services, trials
from masthead.billing.models import Plan, Subscription
from masthead.billing.tests.conftest import deliver, subscribe, synthetic_event


@pytest.fixture
def trial_plan(stripe_env: Any, db: Any) -> Plan:
    p = Plan.objects.create(
        name="Digital, trial", slug="digital-trial", interval="month", amount=1200, currency="usd", trial_days=14
    )
    return services.sync_plan(plan=p)


def _reminders(mailoutbox: list[Any]) -> list[Any]:
    return [m for m in mailoutbox if "free trial ends" in m.subject]


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Any:
    """Run a step as if its transaction committed (the test's own never does): its emails go out."""

    def run(step: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return step()

    return run


def test_the_webhook_sends_one_reminder_however_often_it_arrives(
    stripe_env: Any, trial_plan: Plan, reader: Any, mailoutbox: list[Any], committed: Any
) -> None:
    sub = subscribe(stripe_env, reader, trial_plan)
    event = synthetic_event("customer.subscription.trial_will_end", "subscription", sub.stripe_id)
    assert committed(lambda: deliver(event)).status_code == 200
    sent = _reminders(mailoutbox)
    assert len(sent) == 1 and sent[0].to == [reader.email]
    ends = Subscription.objects.get(pk=sub.pk).current_period_end
    assert f"{ends:%B} {ends.day}, {ends.year}" in sent[0].body
    assert "$12.00 a month" in sent[0].body and "card ending 4242" in sent[0].body

    # The same event again, Stripe sending a second one for the same trial, and the daily run.
    assert committed(lambda: deliver(event)).status_code == 200
    assert (
        committed(
            lambda: deliver(synthetic_event("customer.subscription.trial_will_end", "subscription", sub.stripe_id, n=1))
        ).status_code
        == 200
    )
    assert committed(lambda: trials.send_due(now=ends - timedelta(days=2))) == 0
    assert len(_reminders(mailoutbox)) == 1


def test_the_daily_run_sends_within_three_days_once(
    stripe_env: Any, trial_plan: Plan, reader: Any, mailoutbox: list[Any], committed: Any
) -> None:
    sub = subscribe(stripe_env, reader, trial_plan)
    ends = Subscription.objects.get(pk=sub.pk).current_period_end
    assert ends is not None
    assert committed(lambda: trials.send_due(now=ends - timedelta(days=5))) == 0  # too early
    assert committed(lambda: trials.send_due(now=ends - timedelta(days=3))) == 1
    assert committed(lambda: trials.send_due(now=ends - timedelta(days=2))) == 0  # the next day's run
    # Stripe's own warning arriving after the daily run adds nothing.
    committed(lambda: deliver(synthetic_event("customer.subscription.trial_will_end", "subscription", sub.stripe_id)))
    assert len(_reminders(mailoutbox)) == 1
    assert committed(lambda: trials.send_due(now=ends + timedelta(hours=1))) == 0  # ended: nothing to say


def test_the_command_is_safe_to_run_twice(
    stripe_env: Any, trial_plan: Plan, reader: Any, mailoutbox: list[Any], committed: Any
) -> None:
    sub = subscribe(stripe_env, reader, trial_plan)
    # The command asks about "now": bring this trial's end within three days of it.
    Subscription.objects.filter(pk=sub.pk).update(current_period_end=sub.current_period_end - timedelta(days=12))
    committed(lambda: call_command("send_trial_reminders", stdout=None))
    committed(lambda: call_command("send_trial_reminders", stdout=None))
    assert len(_reminders(mailoutbox)) == 1


def test_no_reminder_when_the_reader_already_cancelled_the_trial(
    stripe_env: Any, trial_plan: Plan, reader: Any, mailoutbox: list[Any], committed: Any
) -> None:
    sub = subscribe(stripe_env, reader, trial_plan)
    services.cancel_at_period_end(user=reader)
    committed(lambda: deliver(synthetic_event("customer.subscription.trial_will_end", "subscription", sub.stripe_id)))
    ends = Subscription.objects.get(pk=sub.pk).current_period_end
    assert committed(lambda: trials.send_due(now=ends - timedelta(days=1))) == 0
    assert _reminders(mailoutbox) == []


def test_a_trial_without_a_card_is_told_to_add_one(
    stripe_env: Any, trial_plan: Plan, reader: Any, client: Any, mailoutbox: list[Any], committed: Any
) -> None:
    from django.urls import reverse

    Plan.objects.filter(pk=trial_plan.pk).update(trial_requires_card=False)
    client.force_login(reader)
    client.get(reverse("billing:subscribe", args=[trial_plan.slug]))
    client.post(reverse("billing:subscribe", args=[trial_plan.slug]), {"setup_intent": ""})
    sub = Subscription.objects.get()
    assert sub.status == "trialing"
    committed(lambda: deliver(synthetic_event("customer.subscription.trial_will_end", "subscription", sub.stripe_id)))
    (sent,) = _reminders(mailoutbox)
    assert "add a card" in sent.body and "nothing is charged" in sent.body and "card ending" not in sent.body
