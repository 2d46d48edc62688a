"""The fan-out freezes exactly the audience: confirmed, active, unsuppressed subscribers (with an active
account when the newsletter is for members), once each, however often it runs. It is one INSERT … SELECT
for audiences that need no entitlement question, and a loop over readers for paying subscribers only."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone

from masthead.newsletters import sending
from masthead.newsletters.models import (
    Audience,
    Delivery,
    Send,
    SendKind,
    Subscriber,
    Subscription,
    SubscriptionStatus,
    Suppression,
)


def _reader(newsletter, email, *, confirmed=True, status=SubscriptionStatus.ACTIVE, user=None):
    subscriber = Subscriber.objects.create(email=email, user=user, confirmed_at=timezone.now() if confirmed else None)
    Subscription.objects.create(subscriber=subscriber, newsletter=newsletter, status=status)
    return subscriber


def _frozen(newsletter):
    send = Send.objects.create(newsletter=newsletter, kind=SendKind.POST, subject="Hello", body="<p>Hi</p>")
    count = sending.prepare(send_id=send.pk)
    Send.objects.filter(pk=send.pk).update(prepared=False)
    assert sending.prepare(send_id=send.pk) == count  # a second fan-out inserts nothing
    rows = Delivery.objects.filter(send=send)
    assert rows.count() == count
    assert set(rows.values_list("status", "attempts", "claimed_by")) <= {("pending", 0, "")}
    return sorted(rows.values_list("email", flat=True))


def test_everyone_means_every_confirmed_active_unsuppressed_address(the_briefing):
    _reader(the_briefing, "in@example.com")
    _reader(the_briefing, "unconfirmed@example.com", confirmed=False)
    _reader(the_briefing, "left@example.com", status=SubscriptionStatus.UNSUBSCRIBED)
    _reader(the_briefing, "pending@example.com", status=SubscriptionStatus.PENDING)
    _reader(the_briefing, "bounced@example.com")
    Suppression.objects.create(email="bounced@example.com", reason="bounced")

    assert _frozen(the_briefing) == ["in@example.com"]


def test_members_means_an_active_account(the_briefing):
    the_briefing.audience = Audience.MEMBERS
    the_briefing.save()
    User = get_user_model()
    _reader(the_briefing, "member@example.com", user=User.objects.create(username="m", email="member@example.com"))
    gone = User.objects.create(username="g", email="gone@example.com", is_active=False)
    _reader(the_briefing, "gone@example.com", user=gone)
    _reader(the_briefing, "list-only@example.com")

    assert _frozen(the_briefing) == ["member@example.com"]


def test_subscribers_means_paying_readers(the_briefing, subscriber, member):
    the_briefing.audience = Audience.SUBSCRIBERS
    the_briefing.save()
    _reader(the_briefing, subscriber.email, user=subscriber)
    _reader(the_briefing, member.email, user=member)

    assert _frozen(the_briefing) == [subscriber.email]
