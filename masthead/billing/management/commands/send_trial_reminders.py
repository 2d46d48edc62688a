"""Daily: email readers whose free trial ends within three days, once per trial (billing.trials)."""

from django.core.management.base import BaseCommand

from masthead.billing.trials import send_due


class Command(BaseCommand):
    help = "Email readers whose free trial ends within three days (once per trial; safe to run twice)."

    def handle(self, *args, **options):
        self.stdout.write(f"trial reminders sent: {send_due()}")
