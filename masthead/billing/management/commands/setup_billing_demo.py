"""The demo's plans, synced to Stripe (localstripe offline) when it is configured.

Called by setup_demo; safe to run again (plans are matched by slug).
With --webhook-url, also registers that URL with localstripe so its events
reach /billing/webhooks/stripe/ (localstripe's own /_config/webhooks route;
real Stripe is configured in its dashboard instead).
"""

import urllib.parse
import urllib.request

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from masthead.billing import services
from masthead.billing.models import Plan
from masthead.billing.provider import PaymentError

DEMO_PLANS = [
    {"slug": "digital-monthly", "name": "Digital, monthly", "interval": "month", "amount": 1200, "sort_order": 1,
     "description": "Every issue, the full archive, audio for every article, no ads."},
    {"slug": "digital-annual", "name": "Digital, annual", "interval": "year", "amount": 9900, "sort_order": 2,
     "description": "Everything in Digital, paid once a year."},
    {"slug": "digital-print-annual", "name": "Digital + Print, annual", "interval": "year", "amount": 14900, "sort_order": 3,
     "includes_print": True, "description": "All of Digital, plus 24 print issues a year mailed to you."},
]  # fmt: skip


class Command(BaseCommand):
    help = "Create the demo plans (Digital monthly/annual, Digital + Print annual) and sync them to Stripe."

    def add_arguments(self, parser):
        parser.add_argument("--webhook-url", default="", help="register this webhook URL with localstripe")

    def handle(self, *args, **options):
        for spec in DEMO_PLANS:
            plan, created = Plan.objects.update_or_create(slug=spec["slug"], defaults={"currency": "usd", **spec})
            self.stdout.write(f"{'created' if created else 'updated'} plan {plan.slug}")
        if not settings.STRIPE_SECRET_KEY:
            self.stdout.write("STRIPE_SECRET_KEY is not set: plans are not synced to Stripe (subscribing is disabled).")
            return
        for plan in Plan.objects.all():
            try:
                services.sync_plan(plan=plan)
            except PaymentError as exc:
                raise CommandError(
                    f"could not sync plan {plan.slug!r} to Stripe at {settings.STRIPE_API_BASE or 'api.stripe.com'}: {exc}"
                ) from exc
            self.stdout.write(f"synced {plan.slug} -> {plan.stripe_price_id}")
        if options["webhook_url"]:
            if not settings.STRIPE_API_BASE:
                raise CommandError(
                    "--webhook-url only works with localstripe (STRIPE_API_BASE); configure real Stripe in its dashboard"
                )
            data = urllib.parse.urlencode({"url": options["webhook_url"], "secret": settings.STRIPE_WEBHOOK_SECRET}).encode()
            req = urllib.request.Request(settings.STRIPE_API_BASE + "/_config/webhooks/masthead", data=data, method="POST")  # noqa: S310
            urllib.request.urlopen(req, timeout=10).close()  # noqa: S310 - the operator's own localstripe URL
            self.stdout.write(f"localstripe will send webhooks to {options['webhook_url']}")
