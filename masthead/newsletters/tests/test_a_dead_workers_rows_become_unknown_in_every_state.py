"""A worker that dies holding a batch leaves no row "sending" forever, whatever happens to the send after:
sending, paused, resumed or cancelled, the reaper (cron's `send_newsletters`, every start job and worker)
marks its rows "unknown" -- never resent on their own, listed for staff to resend. A live worker renews its
claim, so a batch that takes longer than the lease is not taken for dead. Runs on SQLite and PostgreSQL
(scripts/test-postgres.sh), since the claim and the reaper are SQL."""

from __future__ import annotations

import subprocess
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from masthead.newsletters import delivery, sending
from masthead.newsletters.models import (
    Delivery,
    DeliveryStatus,
    Send,
    SendStatus,
)
from masthead.newsletters.tests.flight import add_readers, send_in_flight
from masthead.newsletters.transport import RETRY, Outcome

pytestmark = pytest.mark.django_db(transaction=True)


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def _orphans(send: Send, settings: Any) -> list[int]:
    """Two batches whose workers died mid-batch: one on this host (its pid is gone), one on another host
    (only its claim's age tells: older than the lease, since a live worker would have renewed it)."""
    with transaction.atomic():
        here = delivery.claim(send.pk, f"{delivery.HOST}:{_dead_pid()}:gone", 4)
    with transaction.atomic():
        elsewhere = delivery.claim(send.pk, "another-host:4242:gone", 3)
    Delivery.objects.filter(pk__in=elsewhere).update(
        claimed_at=timezone.now() - timedelta(seconds=settings.NEWSLETTER_CLAIM_LEASE + 5)
    )
    return sorted(here + elsewhere)


def _statuses(send: Send) -> Counter[str]:
    return Counter(Delivery.objects.filter(send=send).values_list("status", flat=True))


@pytest.mark.parametrize("state", ["sending", "paused", "resumed", "cancelled"])
def test_the_reaper_marks_a_dead_workers_rows_unknown_whatever_the_send_does(state, settings, smtp_server, the_briefing):
    add_readers(the_briefing, 20)
    send = send_in_flight(the_briefing)
    orphans = _orphans(send, settings)
    if state in ("paused", "resumed"):
        send = sending.pause(send=send)
    if state == "resumed":
        send = sending.resume(send=send)  # its job runs at once here (immediate task backend)
    if state == "cancelled":
        assert sending.cancel(send=send) == 13  # the unclaimed rows; the 7 in flight are not the cancel's to drop

    call_command("send_newsletters")  # cron's minute: the reaper

    rows = Delivery.objects.filter(send=send)
    assert not rows.filter(status=DeliveryStatus.SENDING).exists(), _statuses(send)
    assert sorted(rows.filter(status=DeliveryStatus.UNKNOWN).values_list("pk", flat=True)) == orphans
    assert all(row.error == delivery.ORPHAN_ERROR for row in rows.filter(status=DeliveryStatus.UNKNOWN))
    received = Counter(str(m["To"]) for m in smtp_server.messages)
    assert not set(received) & set(rows.filter(pk__in=orphans).values_list("email", flat=True)), "an unknown row was resent"
    send.refresh_from_db()
    if state == "paused":
        assert send.status == SendStatus.PAUSED and _statuses(send) == {"pending": 13, "unknown": 7}
        assert not smtp_server.messages
    elif state == "cancelled":
        assert send.status == SendStatus.CANCELLED and _statuses(send) == {"cancelled": 13, "unknown": 7}
        assert not smtp_server.messages
    else:
        delivery.deliver(send.pk)  # the send's worker carries on (for "resumed" it has already)
        send.refresh_from_db()
        assert _statuses(send) == {"sent": 13, "unknown": 7}
        assert send.status == SendStatus.SENT
        assert len(smtp_server.messages) == 13 and set(Counter(str(m["To"]) for m in smtp_server.messages).values()) == {1}


def test_resuming_a_paused_send_after_its_worker_died_resends_nothing_of_the_dead_batch(
    settings, smtp_server, the_briefing, staff
):
    add_readers(the_briefing, 12)
    send = send_in_flight(the_briefing)
    orphans = _orphans(send, settings)
    sending.pause(send=send)
    sending.resume(send=send)  # the resumed job reaps before it sends
    assert len(smtp_server.messages) == 5
    assert _statuses(send) == {"sent": 5, "unknown": 7}
    # Staff's one click: the unknown rows go out once more, and nothing else.
    assert sending.resend(send=send, delivery_ids=orphans, by=staff) == 7
    assert len(smtp_server.messages) == 12 and len({str(m["To"]) for m in smtp_server.messages}) == 12
    assert Send.objects.get(pk=send.pk).status == SendStatus.SENT


class _Hook:
    """Runs `each` before every message the worker hands to the mail server."""

    def __init__(self, monkeypatch: Any, each: Any) -> None:
        real = delivery.Transport.send
        self.count = 0

        def send(transport: Any, recipient: Any, rendered: Any) -> Any:
            self.count += 1
            each(self.count, recipient)
            return real(transport, recipient, rendered)

        monkeypatch.setattr(delivery.Transport, "send", send)


def test_a_live_worker_renews_its_claim_so_a_batch_longer_than_the_lease_is_not_reaped(
    settings, monkeypatch, smtp_server, the_briefing
):
    settings.NEWSLETTER_BATCH_SIZE = 10
    add_readers(the_briefing, 10)
    send = send_in_flight(the_briefing)
    now = [1000.0]
    monkeypatch.setattr(delivery, "_clock", lambda: now[0])
    reaped: list[int] = []

    def each(n: int, recipient: Any) -> None:
        if n == 5:
            # Half way through the batch a lease and more has gone by: the database's clock moved on
            # (the claim looks old) and so did the worker's.
            Delivery.objects.filter(send=send, status=DeliveryStatus.SENDING).update(
                claimed_at=timezone.now() - timedelta(seconds=settings.NEWSLETTER_CLAIM_LEASE + 5)
            )
            now[0] += settings.NEWSLETTER_CLAIM_LEASE + 5
        if n == 6:
            reaped.append(delivery.reap())  # another process's reaper, after the worker renewed before message 6

    _Hook(monkeypatch, each)
    delivery.deliver(send.pk, worker="another-host:99:alive")  # on "another host": only the lease can tell
    assert reaped == [0]
    assert _statuses(send) == {"sent": 10}


def test_a_worker_taken_for_dead_records_what_it_knows_instead_of_unknown(settings, monkeypatch, smtp_server, the_briefing):
    settings.NEWSLETTER_BATCH_SIZE = 10
    add_readers(the_briefing, 10)
    send = send_in_flight(the_briefing)
    reaped: list[int] = []

    def each(n: int, recipient: Any) -> None:
        if n == 3:
            # One message hung longer than the lease (no chance to renew): the reaper takes the worker for dead.
            Delivery.objects.filter(send=send, status=DeliveryStatus.SENDING).update(
                claimed_at=timezone.now() - timedelta(seconds=settings.NEWSLETTER_CLAIM_LEASE + 5)
            )
            reaped.append(delivery.reap())

    _Hook(monkeypatch, each)
    delivery.deliver(send.pk, worker="another-host:99:slow")
    assert reaped == [10]
    # It was alive after all and knows each answer: "sent" replaces "unknown", and nobody got it twice.
    assert _statuses(send) == {"sent": 10}
    assert len(smtp_server.messages) == 10
    assert Send.objects.get(pk=send.pk).status == SendStatus.SENT


def test_cancel_lets_the_batch_in_flight_finish_and_drops_the_rest(settings, monkeypatch, smtp_server, the_briefing):
    settings.NEWSLETTER_BATCH_SIZE = 5
    add_readers(the_briefing, 20)
    send = send_in_flight(the_briefing)

    def each(n: int, recipient: Any) -> None:
        if n == 2:
            assert sending.cancel(send=send) == 15  # the other 3 of this batch are in flight

    _Hook(monkeypatch, each)
    delivery.deliver(send.pk)
    assert _statuses(send) == {"sent": 5, "cancelled": 15}
    assert len(smtp_server.messages) == 5
    assert Send.objects.get(pk=send.pk).status == SendStatus.CANCELLED


def test_rows_handed_back_untried_after_a_cancel_are_cancelled_not_queued(settings, monkeypatch, smtp_server, the_briefing):
    settings.NEWSLETTER_BATCH_SIZE = 5
    add_readers(the_briefing, 10)
    send = send_in_flight(the_briefing)
    real = delivery.Transport.send

    def send_then_lose_the_server(transport: Any, recipient: Any, rendered: Any) -> Any:
        if Delivery.objects.filter(send=send, status=DeliveryStatus.SENDING).count() == 5 and not smtp_server.messages:
            sending.cancel(send=send)
            # The server asks us to wait: this message and the rest of the batch go back untried.
            return Outcome(RETRY, "421 try again later")
        return real(transport, recipient, rendered)

    monkeypatch.setattr(delivery.Transport, "send", send_then_lose_the_server)
    delivery.deliver(send.pk)
    assert _statuses(send) == {"cancelled": 10}
    assert not smtp_server.messages
