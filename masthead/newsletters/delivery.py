"""The sending worker: claim a batch of recipients, send each, record what happened.

Exactly-once as far as the code can know, at-most-once where it cannot:

* A batch is claimed in one statement that moves rows from "pending" to
  "sending" under the worker's name: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
  ``BEGIN IMMEDIATE`` + ``UPDATE … RETURNING`` on SQLite (one writer at a time).
  The UPDATE keeps ``status = 'pending'`` in its WHERE, so two workers never
  both win a row, and a retry of the same job claims only what is left.
* After the batch the rows become "sent" (or "failed"). A worker that dies in
  between leaves rows in "sending": the reaper (reap(), run by every worker as
  it starts, by the start job and by ``manage.py send_newsletters`` from cron)
  marks them "unknown" -- its process is gone, or its claim is older than
  NEWSLETTER_CLAIM_LEASE -- whatever the send's state (sending, paused,
  cancelled), and never resends them on its own, because some of them were
  probably delivered. Staff see them and resend with one click. A crash costs
  at most one batch of "unknown" rows.
* A live worker renews its claim while it works through a batch (renew()), so
  only a dead worker's claim grows older than the lease.
* Cancelling: rows no worker holds become "cancelled" at once; rows in flight
  finish ("sent"/"failed") or, if their worker died, become "unknown"; rows a
  worker hands back untried after the cancel become "cancelled" too.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F
from django.utils import timezone

from masthead.newsletters import rendering, services
from masthead.newsletters.models import (
    Audience,
    Delivery,
    DeliveryStatus,
    Send,
    SendStatus,
    SubscriptionStatus,
    Suppression,
)
from masthead.newsletters.transport import FAILED, RETRY, SENT, UNKNOWN, Recipient, Transport

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
HOST = socket.gethostname()[:60]


def worker_name() -> str:
    return f"{HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _table() -> str:
    return Delivery._meta.db_table


def claim(send_id: int, worker: str, size: int) -> list[int]:
    """Move up to `size` pending rows of this send to "sending" under `worker`; their ids. Call inside atomic()."""
    table = _table()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The locked pick is a MATERIALIZED CTE: as a plain IN (subquery) PostgreSQL may rescan it, and
            # each rescan skips the rows it has just locked, so one claim took far more than `size` rows.
            cursor.execute(
                f"WITH picked AS MATERIALIZED (SELECT id FROM {table} WHERE send_id = %s AND status = 'pending' "  # noqa: S608
                "ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED) "
                f"UPDATE {table} SET status = 'sending', claimed_by = %s, claimed_at = now(), attempts = {table}.attempts + 1 "
                f"FROM picked WHERE {table}.id = picked.id AND {table}.status = 'pending' RETURNING {table}.id",
                [send_id, size, worker],
            )
            return sorted(row[0] for row in cursor.fetchall())
        if connection.vendor == "sqlite":
            # The surrounding atomic() began with BEGIN IMMEDIATE (settings' transaction_mode), so this
            # connection holds the write lock from the start: no other claim runs between SELECT and UPDATE.
            cursor.execute(
                f"UPDATE {table} SET status = 'sending', claimed_by = %s, claimed_at = %s, attempts = attempts + 1 "  # noqa: S608
                f"WHERE id IN (SELECT id FROM {table} WHERE send_id = %s AND status = 'pending' ORDER BY id LIMIT %s) "
                "AND status = 'pending' RETURNING id",
                [worker, timezone.now(), send_id, size],
            )
            return sorted(row[0] for row in cursor.fetchall())
    # Other databases: row locks if they have them; the status guard in the UPDATE keeps it exactly-once.
    rows = Delivery.objects.filter(send_id=send_id, status=DeliveryStatus.PENDING).order_by("id")
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True)
    ids = list(rows.values_list("id", flat=True)[:size])
    Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.SENDING, claimed_by=worker, claimed_at=timezone.now()
    )
    return list(
        Delivery.objects.filter(pk__in=ids, claimed_by=worker, status=DeliveryStatus.SENDING).values_list("id", flat=True)
    )


@dataclass
class Turn:
    ids: list[int] = field(default_factory=list)
    wait: float = 0.0
    stop: str = ""


def take_turn(send_id: int, worker: str) -> Turn:
    """The next batch for this worker, or how long to wait (the send's pace), or why to stop."""
    with transaction.atomic():
        rows = Send.objects.filter(pk=send_id)
        rate = Send.objects.filter(pk=send_id).values_list("rate", flat=True).first()
        if rate is None:
            return Turn(stop="the send was deleted")
        rate = rate or settings.NEWSLETTER_RATE
        if rate and connection.features.has_select_for_update:
            rows = rows.select_for_update()  # the pace is shared: one claimer at a time reads and moves it
        send = rows.only("status", "next_batch_at", "rate").first()
        if send is None or send.status != SendStatus.SENDING:
            return Turn(stop=f"the send is {send.status if send else 'gone'}")
        size = settings.NEWSLETTER_BATCH_SIZE
        now = timezone.now()
        if rate:
            size = max(1, min(size, rate))
            if send.next_batch_at and send.next_batch_at > now:
                return Turn(wait=(send.next_batch_at - now).total_seconds())
        ids = claim(send_id, worker, size)
        if rate and ids:
            start = max(now, send.next_batch_at or now)
            Send.objects.filter(pk=send_id).update(next_batch_at=start + timedelta(seconds=len(ids) / rate))
        return Turn(ids=ids)


def _alive(claimed_by: str) -> bool | None:
    """Whether the worker that claimed rows still runs; None when it ran on another host."""
    host, _, rest = claimed_by.partition(":")
    pid = rest.partition(":")[0]
    if host != HOST or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


ORPHAN_ERROR = "the worker stopped before recording the result"


def sweep_orphans(send_id: int) -> int:
    """Rows left in "sending" by a worker that is gone become "unknown", whatever the send's state; returns how many.

    Gone: a process of this host that no longer exists (seen at once), or a claim older than the lease
    (any host; a live worker renews its claim, so this also catches a reused pid)."""
    lease_start = timezone.now() - timedelta(seconds=settings.NEWSLETTER_CLAIM_LEASE)
    marked = 0
    in_flight = Delivery.objects.filter(send_id=send_id, status=DeliveryStatus.SENDING)
    for owner in list(in_flight.values_list("claimed_by", flat=True).distinct()):
        rows = in_flight.filter(claimed_by=owner)
        if _alive(owner) is not False:
            rows = rows.filter(claimed_at__lt=lease_start)
        marked += rows.update(status=DeliveryStatus.UNKNOWN, error=ORPHAN_ERROR)
    if marked:
        log.warning("send %s: %s recipients marked unknown after a worker stopped mid-batch", send_id, marked)
    return marked


def reap() -> int:
    """Make every send's states honest: dead workers' rows become "unknown" (sending, paused or cancelled
    sends alike), a cancelled send keeps no queued row, and a send with nothing left is sent. Safe to run
    any time, from any process; returns how many rows became "unknown". Each query names one send, so it
    rides the (send, status, id) index however many deliveries the table holds."""
    marked = 0
    open_statuses = [SendStatus.SENDING, SendStatus.PAUSED, SendStatus.CANCELLED]
    for send_id, status in list(Send.objects.filter(status__in=open_statuses).values_list("pk", "status")):
        marked += sweep_orphans(send_id)
        if status == SendStatus.CANCELLED:
            drop_cancelled(send_id)
        elif status == SendStatus.SENDING:
            finish_if_done(send_id)
    return marked


def drop_cancelled(send_id: int) -> int:
    """A cancelled send's queued rows (also those a worker handed back untried after the cancel) are cancelled."""
    return Delivery.objects.filter(send_id=send_id, status=DeliveryStatus.PENDING, send__status=SendStatus.CANCELLED).update(
        status=DeliveryStatus.CANCELLED
    )


def renew(worker: str, ids: list[int]) -> int:
    """The worker is alive: move its claim on these in-flight rows to now, so the reaper leaves them alone."""
    return Delivery.objects.filter(pk__in=ids, claimed_by=worker, status=DeliveryStatus.SENDING).update(claimed_at=timezone.now())


# The clock the renewal reads (a name of its own so a test can move it without moving time.monotonic).
_clock = time.monotonic


class _Lease:
    """Renews a batch's claim when a quarter of the lease has gone by: one UPDATE per ~150 s, not per message."""

    def __init__(self, worker: str, ids: list[int]) -> None:
        self.worker, self.ids, self.renewed = worker, ids, _clock()

    def keep(self) -> None:
        if _clock() - self.renewed >= settings.NEWSLETTER_CLAIM_LEASE / 4:
            renew(self.worker, self.ids)
            self.renewed = _clock()


@dataclass
class Progress:
    stopped: str = ""
    sent: int = 0
    failed: int = 0
    unknown: int = 0
    skipped: int = 0
    retried: int = 0
    batches: int = 0
    bytes_sent: int = 0


def _recipients(send: Send, rows: list[Delivery]) -> tuple[list[Delivery], list[int]]:
    """(rows to send now, rows to skip): the reader unsubscribed, got suppressed or left the audience since fan-out."""
    active = set(
        send.newsletter.subscriptions.filter(
            subscriber_id__in=[r.subscriber_id for r in rows], status=SubscriptionStatus.ACTIVE
        ).values_list("subscriber_id", flat=True)
    )
    suppressed = set(Suppression.objects.filter(email__in=[r.email for r in rows]).values_list("email", flat=True))
    keep, skip = [], []
    for row in rows:
        user = row.subscriber.user
        in_audience = send.newsletter.audience == Audience.EVERYONE or services.may_receive(user, send.newsletter)
        if row.subscriber_id in active and row.email not in suppressed and in_audience:
            keep.append(row)
        else:
            skip.append(row.pk)
    return keep, skip


def _record(
    send_id: int, worker: str, results: dict[str, list[int]], errors: dict[int, str], provider_ids: dict[int, str]
) -> None:
    now = timezone.now()
    # Still this worker's: in flight, or marked "unknown" by a reaper that thought it dead (a hang longer than
    # the lease): this worker knows what happened, so the truth replaces "unknown". A row staff resent since
    # has lost this worker's name and is not touched.
    mine = Delivery.objects.filter(claimed_by=worker, status__in=[DeliveryStatus.SENDING, DeliveryStatus.UNKNOWN])
    with transaction.atomic():
        if results[SENT]:
            mine.filter(pk__in=results[SENT]).update(status=DeliveryStatus.SENT, sent_at=now, error="")
        for pk, provider_id in provider_ids.items():
            Delivery.objects.filter(pk=pk).update(provider_id=provider_id)
        for status, key in ((DeliveryStatus.FAILED, FAILED), (DeliveryStatus.UNKNOWN, UNKNOWN), (DeliveryStatus.SKIPPED, "skip")):
            for pk in results[key]:
                mine.filter(pk=pk).update(status=status, error=errors.get(pk, "")[:500])
        for pk in results[RETRY]:
            row = mine.filter(pk=pk)
            row.filter(attempts__gte=MAX_ATTEMPTS).update(status=DeliveryStatus.FAILED, error=errors.get(pk, "")[:500])
            row.update(status=DeliveryStatus.PENDING, claimed_by="", error=errors.get(pk, "")[:500])
        if results["untried"]:
            # Never handed to the server: back in the queue without spending an attempt.
            mine.filter(pk__in=results["untried"]).update(
                status=DeliveryStatus.PENDING, claimed_by="", attempts=F("attempts") - 1
            )
        # Cancelled while this batch was in flight: what went back in the queue goes no further.
        drop_cancelled(send_id)


def deliver(send_id: int, *, worker: str | None = None, max_batches: int | None = None) -> Progress:
    """Send this send's pending recipients until none are left (or it is paused or cancelled)."""
    worker = worker or worker_name()
    progress = Progress()
    send = Send.objects.select_related("newsletter", "article", "issue").filter(pk=send_id).first()
    if send is None or send.status != SendStatus.SENDING:
        return progress
    sweep_orphans(send_id)
    segments = rendering.SegmentCache(send)
    with Transport(send.newsletter) as transport:
        while max_batches is None or progress.batches < max_batches:
            turn = take_turn(send_id, worker)
            if turn.stop:
                break
            if turn.wait:
                time.sleep(min(turn.wait, 5.0))
                continue
            if not turn.ids:
                break
            progress.batches += 1
            lease = _Lease(worker, turn.ids)
            rows = list(Delivery.objects.filter(pk__in=turn.ids).select_related("subscriber__user").order_by("id"))
            keep, skip = _recipients(send, rows)
            results: dict[str, list[int]] = {SENT: [], FAILED: [], RETRY: [], UNKNOWN: [], "skip": skip, "untried": []}
            errors: dict[int, str] = {}
            provider_ids: dict[int, str] = {}
            broken = False
            for row in keep:
                if broken:
                    # The connection died on an earlier message of this batch: the rest were never handed over.
                    results["untried"].append(row.pk)
                    continue
                lease.keep()
                rendered = segments.for_user(row.subscriber.user)
                outcome = transport.send(Recipient(row.pk, send_id, row.subscriber_id, row.email), rendered)
                results[outcome.status].append(row.pk)
                if outcome.error:
                    errors[row.pk] = outcome.error
                if outcome.provider_id:
                    provider_ids[row.pk] = outcome.provider_id
                if outcome.status == SENT:
                    progress.bytes_sent += transport.size(rendered) if transport.raw else 0
                # A message that may or may not have gone, or a server asking us to wait: stop here, so the
                # rest of the batch goes back to "pending" untouched and a later job picks it up.
                broken = outcome.status in (UNKNOWN, RETRY)
            _record(send_id, worker, results, errors, provider_ids)
            progress.sent += len(results[SENT])
            progress.failed += len(results[FAILED])
            progress.unknown += len(results[UNKNOWN])
            progress.retried += len(results[RETRY])
            progress.skipped += len(skip)
            if broken:
                progress.stopped = next((errors[pk] for pk in results[UNKNOWN] + results[RETRY] if pk in errors), "")
                break
    finish_if_done(send_id)
    return progress


def counts(send_id: int) -> dict[str, int]:
    rows = Delivery.objects.filter(send_id=send_id).values("status").annotate(n=Count("id"))
    found = dict.fromkeys(DeliveryStatus.values, 0)
    found.update({row["status"]: row["n"] for row in rows})
    return found


def finish_if_done(send_id: int) -> bool:
    """A sending send with nothing pending or in flight is sent."""
    with transaction.atomic():
        send = Send.objects.filter(pk=send_id, status=SendStatus.SENDING).first()
        if send is None or not send.prepared:
            return False
        busy = Delivery.objects.filter(send_id=send_id, status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING]).exists()
        if busy:
            return False
        Send.objects.filter(pk=send_id, status=SendStatus.SENDING).update(status=SendStatus.SENT, finished_at=timezone.now())
    return True
