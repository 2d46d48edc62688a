"""Background jobs (django-tasks, "newsletters" queue): thin, take primary keys, safe to run twice.

start_send freezes the recipients and starts NEWSLETTER_JOBS deliver_send jobs;
each claims batches until none are left, so two jobs of one send (or a job
run twice) never send a recipient twice (delivery.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import default_task_backend, task

from masthead.newsletters import delivery, sending

RETRY_AFTER = timedelta(minutes=2)


def _later(at: datetime) -> bool:
    return bool(default_task_backend.supports_defer) and at > timezone.now()


def enqueue_start(send_id: int, at: datetime | None = None) -> None:
    if at is not None and _later(at):
        start_send.using(run_after=at).enqueue(send_id)
    elif at is None or at <= timezone.now():
        start_send.enqueue(send_id)
    # A backend without deferred jobs: `manage.py send_newsletters` (cron, each minute) starts due sends.


@task(queue_name="newsletters")
def start_send(send_id: int) -> int:
    """Start a due scheduled send, freeze its recipients and start its workers; returns the recipient count."""
    delivery.reap()  # dead workers' rows of any send become "unknown" (the cron command does the same)
    sending.start_if_due(send_id)
    from masthead.newsletters.models import Send, SendStatus

    if not Send.objects.filter(pk=send_id, status=SendStatus.SENDING).exists():
        return 0
    count = sending.prepare(send_id=send_id)
    for _ in range(settings.NEWSLETTER_JOBS):
        deliver_send.enqueue(send_id)
    return count


@task(queue_name="newsletters")
def deliver_send(send_id: int) -> str:
    progress = delivery.deliver(send_id)
    if progress.stopped and _later(timezone.now() + RETRY_AFTER):
        # The mail server went away or asked us to slow down: try again in a while, not in a tight loop.
        deliver_send.using(run_after=timezone.now() + RETRY_AFTER).enqueue(send_id)
    return f"sent {progress.sent}, failed {progress.failed}, unknown {progress.unknown}, skipped {progress.skipped}"
