"""Process stored Stripe events that failed (Stripe or the database was down)."""

from django.core.management.base import BaseCommand

from masthead.billing.webhooks import retry_pending


class Command(BaseCommand):
    help = "Retry Stripe webhook events that are stored but not yet processed."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=0, help="only events received at least this many seconds ago")

    def handle(self, *args, **options):
        done, failed = retry_pending(older_than_seconds=options["older_than"])
        self.stdout.write(f"processed {done}, still failing {failed}")
        if failed:
            raise SystemExit(1)
