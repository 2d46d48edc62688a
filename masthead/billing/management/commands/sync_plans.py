"""Give every plan a Stripe price matching its current terms."""

from django.core.management.base import BaseCommand, CommandError

from masthead.billing import services
from masthead.billing.models import Plan
from masthead.billing.provider import PaymentError


class Command(BaseCommand):
    help = "Create or update the Stripe price of every plan (new terms get a new price)."

    def handle(self, *args, **options):
        for plan in Plan.objects.all():
            try:
                services.sync_plan(plan=plan)
            except PaymentError as exc:
                raise CommandError(f"plan {plan.slug!r}: {exc}") from exc
            self.stdout.write(f"{plan.slug}: {plan.stripe_price_id}")
