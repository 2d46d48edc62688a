"""Reap dead workers' rows, start scheduled sends whose time has come, and deliver: for cron, or a backend without deferred jobs.

manage.py send_newsletters              # reap (rows of dead workers become "unknown"), start due scheduled sends
                                        # (their jobs deliver them)
manage.py send_newsletters --deliver 42 # work on send 42 in this process until it is done
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from masthead.newsletters import delivery, sending, tasks
from masthead.newsletters.models import Send, SendStatus


class Command(BaseCommand):
    help = __doc__.splitlines()[0] if __doc__ else ""

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--deliver", type=int, metavar="SEND_ID", help="deliver this send here instead of in a job")

    def handle(self, *args: Any, deliver: int | None = None, **options: Any) -> None:
        if deliver is not None:
            send = Send.objects.filter(pk=deliver).first()
            if send is None:
                raise CommandError(f"No send {deliver}.")
            if send.status == SendStatus.SENDING and not send.prepared:
                sending.prepare(send_id=send.pk)
            progress = delivery.deliver(send.pk)
            self.stdout.write(
                f"send {send.pk}: sent {progress.sent}, failed {progress.failed}, unknown {progress.unknown}, "
                f"skipped {progress.skipped}{f' (stopped: {progress.stopped})' if progress.stopped else ''}"
            )
            return
        reaped = delivery.reap()
        if reaped:
            self.stdout.write(f"{reaped} recipients of stopped workers marked unknown (resend them from the send's page)")
        for send_id in sending.due_sends():
            tasks.start_send.enqueue(send_id)
            self.stdout.write(f"send {send_id}: started")
