"""Give every plan a Stripe price, every promo code a coupon, every tax rate a Stripe tax rate."""

from django.core.management.base import BaseCommand, CommandError

from masthead.billing import promos, services
from masthead.billing.models import Plan, PromoCode, TaxRate
from masthead.billing.provider import PaymentError


class Command(BaseCommand):
    help = "Create or update the Stripe twins of plans, promo codes and tax rates (new terms get new ones)."

    def handle(self, *args, **options):
        for plan in Plan.objects.all():
            try:
                services.sync_plan(plan=plan)
            except PaymentError as exc:
                raise CommandError(f"plan {plan.slug!r}: {exc}") from exc
            self.stdout.write(f"{plan.slug}: {plan.stripe_price_id}")
        provider = services.get_provider()
        for promo in PromoCode.objects.all():
            try:
                promos.sync_promo(promo=promo, provider=provider)
            except PaymentError as exc:
                raise CommandError(f"promo code {promo.code!r}: {exc}") from exc
            self.stdout.write(f"{promo.code}: {promo.stripe_coupon_id}")
        for rate in TaxRate.objects.all():
            try:
                promos.sync_tax_rate(rate=rate, provider=provider)
            except PaymentError as exc:
                raise CommandError(f"tax rate {rate}: {exc}") from exc
            self.stdout.write(f"{rate}: {rate.stripe_id}")
