"""A send in flight to many readers: the set-up the claiming and reaping tests share."""

from __future__ import annotations

from django.utils import timezone

from masthead.newsletters import sending
from masthead.newsletters.models import (
    Newsletter,
    Send,
    SendKind,
    SendStatus,
    Subscriber,
    Subscription,
    SubscriptionStatus,
)


def add_readers(newsletter: Newsletter, count: int) -> None:
    """`count` confirmed readers of `newsletter`, made in two queries."""
    subscribers = Subscriber.objects.bulk_create(
        [Subscriber(email=f"reader{n:05d}@example.com", confirmed_at=timezone.now()) for n in range(count)]
    )
    Subscription.objects.bulk_create(
        [Subscription(subscriber=s, newsletter=newsletter, status=SubscriptionStatus.ACTIVE) for s in subscribers]
    )


def send_in_flight(newsletter: Newsletter) -> Send:
    """A short post to `newsletter`, started and fanned out (its deliveries pending), no worker yet."""
    send = Send.objects.create(newsletter=newsletter, kind=SendKind.POST, subject="Hello", body="<p>A short post.</p>")
    Send.objects.filter(pk=send.pk).update(status=SendStatus.SENDING, started_at=timezone.now())
    sending.prepare(send_id=send.pk)
    return Send.objects.get(pk=send.pk)
