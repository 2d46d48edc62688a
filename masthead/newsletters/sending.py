"""A send's life: draft → scheduled → sending (⇄ paused) → sent, or cancelled. Keyword-only, atomic.

Starting a send freezes its recipients (fan-out) as Delivery rows; workers
(tasks.deliver_send) then claim them in batches (delivery.py). Publishing an
issue for the first time starts "The Issue" by itself (apps.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from masthead.core.models import MagazineSettings
from masthead.newsletters import rendering, services
from masthead.newsletters.models import (
    Audience,
    Delivery,
    DeliveryStatus,
    Newsletter,
    Send,
    SendKind,
    SendStatus,
    Subscription,
    SubscriptionStatus,
    Suppression,
)
from masthead.newsletters.transport import Recipient, Transport


class SendError(ValueError):
    """A send cannot do what was asked; the message says why, for the editor."""


def check_ready(send: Send) -> None:
    if not send.newsletter.active:
        raise SendError(f"{send.newsletter.name} is inactive: make it active before sending.")
    if send.kind == SendKind.ARTICLE and (send.article is None or not send.article.live):
        raise SendError("Choose a published article to send.")
    if send.kind == SendKind.ISSUE and (send.issue is None or not send.issue.live):
        raise SendError("Choose a published issue to send.")
    if send.kind == SendKind.POST and not send.body.strip():
        raise SendError("An email-only post needs some text.")
    if not send.subject.strip():
        raise SendError("The email needs a subject.")


def _enqueue(send_id: int, at: datetime | None = None) -> None:
    from masthead.newsletters import tasks

    transaction.on_commit(lambda: tasks.enqueue_start(send_id, at))


ALREADY = {
    SendStatus.SENDING: "This send has already started: nothing was sent twice. Its progress is below.",
    SendStatus.PAUSED: "This send has already started and is paused: nothing was sent twice. Resume it instead.",
    SendStatus.SENT: "This send has already gone out: nothing was sent twice.",
    SendStatus.CANCELLED: "This send was cancelled: it cannot be sent. Make a new one.",
}


@transaction.atomic
def start(*, send: Send, seen: str | None = None) -> Send:
    """Send now. A send that is not a draft or scheduled is refused (SendError), so a second click, a second
    tab or a stale page never starts anything twice. `seen`: the status the editor's page showed; when the
    send has changed since (another tab scheduled or started it), it is refused too, to look again first."""
    send = Send.objects.select_for_update().get(pk=send.pk)
    if send.status not in (SendStatus.DRAFT, SendStatus.SCHEDULED):
        raise SendError(ALREADY[SendStatus(send.status)])
    if seen is not None and seen != send.status:
        raise SendError(
            f"This send changed since your page was loaded (it is now {send.get_status_display().lower()}); "
            "nothing was sent. Check it below, then send."
        )
    check_ready(send)
    send.status, send.started_at, send.scheduled_at = SendStatus.SENDING, timezone.now(), send.scheduled_at
    send.save(update_fields=["status", "started_at"])
    _enqueue(send.pk)
    return send


@transaction.atomic
def schedule(*, send: Send, at: datetime) -> Send:
    send = Send.objects.select_for_update().get(pk=send.pk)
    if send.status not in (SendStatus.DRAFT, SendStatus.SCHEDULED):
        raise SendError(f"This send is {send.get_status_display().lower()}; only a draft can be scheduled.")
    if at <= timezone.now():
        raise SendError("Choose a time in the future, or send now.")
    check_ready(send)
    send.status, send.scheduled_at = SendStatus.SCHEDULED, at
    send.save(update_fields=["status", "scheduled_at"])
    _enqueue(send.pk, at)
    return send


@transaction.atomic
def unschedule(*, send: Send) -> Send:
    updated = Send.objects.filter(pk=send.pk, status=SendStatus.SCHEDULED).update(status=SendStatus.DRAFT, scheduled_at=None)
    if not updated:
        raise SendError("Only a scheduled send can go back to draft.")
    return Send.objects.get(pk=send.pk)


def start_if_due(send_id: int) -> bool:
    """What a scheduled job (or the cron command) calls: start the send if its time has come."""
    with transaction.atomic():
        send = Send.objects.select_for_update().filter(pk=send_id).first()
        if send is None or send.status != SendStatus.SCHEDULED or (send.scheduled_at and send.scheduled_at > timezone.now()):
            return False
        try:
            check_ready(send)
        except SendError:
            send.status = SendStatus.DRAFT
            send.save(update_fields=["status"])
            return False
        send.status, send.started_at = SendStatus.SENDING, timezone.now()
        send.save(update_fields=["status", "started_at"])
    return True


def due_sends() -> list[int]:
    return list(Send.objects.filter(status=SendStatus.SCHEDULED, scheduled_at__lte=timezone.now()).values_list("pk", flat=True))


def _audience_rows(newsletter: Newsletter) -> Any:
    """Subscriptions of confirmed, active, unsuppressed subscribers, narrowed to readers with an account unless
    the newsletter is for everyone. Paying subscribers are then picked per reader (recipients())."""
    rows = (
        Subscription.objects.filter(
            newsletter=newsletter, status=SubscriptionStatus.ACTIVE, subscriber__confirmed_at__isnull=False
        )
        .exclude(subscriber__email__in=Suppression.objects.values("email"))
        .order_by("subscriber_id")
    )
    if newsletter.audience != Audience.EVERYONE:
        rows = rows.filter(subscriber__user__isnull=False, subscriber__user__is_active=True)
    return rows


def recipients(newsletter: Newsletter) -> Iterable[tuple[int, str]]:
    """(subscriber id, email) of every confirmed, active, unsuppressed subscriber in the audience."""
    rows = _audience_rows(newsletter)
    if newsletter.audience != Audience.SUBSCRIBERS:
        yield from rows.values_list("subscriber_id", "subscriber__email").iterator(chunk_size=5000)
        return
    # Paying subscribers only: the entitlement is asked per reader (the same question the gate asks).
    for row in rows.select_related("subscriber__user").iterator(chunk_size=2000):
        if services.may_receive(row.subscriber.user, newsletter):
            yield row.subscriber_id, row.subscriber.email


def _insert_in_sql(send_id: int, newsletter: Newsletter) -> None:
    """The audience's rows in one INSERT … SELECT: 100,000 recipients through bulk_create spent minutes
    preparing values in Python (docs/benchmarks.md); the database copies them in seconds. The unique
    constraint (send, subscriber) with ON CONFLICT DO NOTHING keeps a re-run from inserting anything."""
    query = _audience_rows(newsletter).values_list("subscriber_id", "subscriber__email").query
    select, params = query.sql_with_params()
    table = connection.ops.quote_name(Delivery._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (send_id, subscriber_id, email, status, claimed_by, attempts, error, provider_id) "  # noqa: S608
            # "WHERE true" keeps SQLite from reading ON CONFLICT as part of the SELECT's join (its documented ambiguity).
            f"SELECT %s, picked.*, %s, '', 0, '', '' FROM ({select}) picked WHERE true "
            "ON CONFLICT (send_id, subscriber_id) DO NOTHING",
            [send_id, DeliveryStatus.PENDING, *params],
        )


def prepare(*, send_id: int) -> int:
    """Freeze the recipients (idempotent: the unique constraint makes a re-run insert nothing). Returns the count."""
    send = Send.objects.select_related("newsletter").get(pk=send_id)
    if send.prepared:
        return send.recipient_count
    if send.newsletter.audience != Audience.SUBSCRIBERS and connection.vendor in ("sqlite", "postgresql"):
        with transaction.atomic():
            _insert_in_sql(send_id, send.newsletter)
    else:
        batch: list[Delivery] = []
        for subscriber_id, email in recipients(send.newsletter):
            batch.append(Delivery(send_id=send_id, subscriber_id=subscriber_id, email=email))
            if len(batch) >= 5000:
                Delivery.objects.bulk_create(batch, ignore_conflicts=True)
                batch = []
        if batch:
            Delivery.objects.bulk_create(batch, ignore_conflicts=True)
    total = Delivery.objects.filter(send_id=send_id).count()
    Send.objects.filter(pk=send_id).update(prepared=True, recipient_count=total)
    return total


@transaction.atomic
def pause(*, send: Send) -> Send:
    if not Send.objects.filter(pk=send.pk, status=SendStatus.SENDING).update(status=SendStatus.PAUSED):
        raise SendError("Only a send that is sending can be paused.")
    return Send.objects.get(pk=send.pk)


@transaction.atomic
def resume(*, send: Send) -> Send:
    """Carry on a paused send, or restart workers on one that stopped (the mail server was away)."""
    updated = Send.objects.filter(pk=send.pk, status__in=[SendStatus.PAUSED, SendStatus.SENDING]).update(
        status=SendStatus.SENDING
    )
    if not updated:
        raise SendError("Only a paused or unfinished send can be resumed.")
    _enqueue(send.pk)
    return Send.objects.get(pk=send.pk)


@transaction.atomic
def cancel(*, send: Send) -> int:
    """Stop a send for good. Returns how many recipients will not get it.

    Rows no worker holds become "cancelled" now. Rows in flight are left to their worker: it records them
    "sent" or "failed" as usual (anything it hands back untried becomes "cancelled"), or, if it died, the
    reaper makes them "unknown" (delivery.reap). A cancelled send is never resumed or resent."""
    if not Send.objects.filter(
        pk=send.pk, status__in=[SendStatus.DRAFT, SendStatus.SCHEDULED, SendStatus.SENDING, SendStatus.PAUSED]
    ).update(status=SendStatus.CANCELLED, finished_at=timezone.now()):
        raise SendError("This send is finished already.")
    return Delivery.objects.filter(send=send, status=DeliveryStatus.PENDING).update(status=DeliveryStatus.CANCELLED)


@transaction.atomic
def resend(*, send: Send, delivery_ids: Iterable[int], by: Any) -> int:
    """Staff's one-click resend of "unknown" (and failed) recipients: they go back in the queue. Returns how many
    (0 for a second click: the rows are no longer unknown). A cancelled send's unknown rows stay listed, and
    are not resent: cancel means nothing more goes out."""
    send = Send.objects.select_for_update().get(pk=send.pk)
    if send.status == SendStatus.CANCELLED:
        raise SendError("This send was cancelled: its recipients are not resent.")
    updated = Delivery.objects.filter(
        send=send, pk__in=list(delivery_ids), status__in=[DeliveryStatus.UNKNOWN, DeliveryStatus.FAILED]
    ).update(status=DeliveryStatus.PENDING, claimed_by="", attempts=0, error="", resent_by=by)
    if updated and send.status != SendStatus.PAUSED:
        # A paused send stays paused: the rows go out with the rest when it is resumed.
        Send.objects.filter(pk=send.pk).update(status=SendStatus.SENDING, finished_at=None)
        _enqueue(send.pk)
    return updated


def send_test(*, send: Send, user: Any) -> str:
    """One copy, as this staff member would get it, to their own address; no Delivery row, no counts."""
    if not user.email:
        raise SendError("Your account has no email address to send the test to.")
    if Suppression.objects.filter(email=services.normalise(user.email)).exists():
        # A hard bounce or a complaint: mailing it again, even a test, hurts the sending domain's reputation.
        raise SendError(f"{user.email} is on the suppression list (a bounce or a complaint): no test was sent.")
    subscriber = services.subscriber_for_user(user) or services._subscriber(user.email, user)
    rendered = rendering.render(send, user)
    rendered.subject = f"[Test] {send.subject}"
    with Transport(send.newsletter) as transport:
        message = transport.message(Recipient(0, send.pk, subscriber.pk, user.email), rendered)
        message.send()
    return str(user.email)


def start_issue_sends(issue: Any) -> list[Send]:
    """The issue's first publication: one automatic send per newsletter that carries new issues."""
    made = []
    magazine = MagazineSettings.current().name
    for newsletter in Newsletter.objects.filter(active=True, sends_new_issues=True):
        with transaction.atomic():
            send, created = Send.objects.get_or_create(
                newsletter=newsletter,
                issue=issue,
                automatic=True,
                defaults={
                    "kind": SendKind.ISSUE,
                    "subject": f"{issue.title}: the new issue of {magazine}",
                },
            )
        if created:
            made.append(start(send=send))
    return made


def unknown_rows(send: Send) -> Any:
    return send.deliveries.filter(Q(status=DeliveryStatus.UNKNOWN) | Q(status=DeliveryStatus.FAILED)).order_by("id")
