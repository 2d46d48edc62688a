"""Plans readers buy, and our mirror of what Stripe knows about their payments.

Stripe is the source of truth for money; these rows mirror it so pages and
staff reports never wait on the network, and webhooks re-read Stripe before
changing them. Money is integer minor units with a currency.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.search import index

from masthead.billing.provider import LIVE_STATUSES


class Plan(index.Indexed, models.Model):
    MONTH, YEAR = "month", "year"
    INTERVALS = [(MONTH, "Monthly"), (YEAR, "Yearly")]

    name = models.CharField(max_length=80, help_text="Shown to readers, e.g. “Digital — annual”.")
    slug = models.SlugField(unique=True, help_text="Used in the subscribe link: /billing/subscribe/<slug>/")
    description = models.CharField(max_length=240, blank=True)
    interval = models.CharField(max_length=8, choices=INTERVALS, default=MONTH)
    amount = models.PositiveIntegerField(help_text="Price per interval in minor units (cents): 1200 = 12.00.")
    currency = models.CharField(max_length=3, default="usd", help_text="ISO 4217 code, lower case (usd, eur, gbp).")
    trial_days = models.PositiveSmallIntegerField(default=0)
    includes_print = models.BooleanField(default=False, help_text="Digital + Print: the reader must give a postal address.")
    active = models.BooleanField(default=True, help_text="Inactive plans are not offered; existing subscribers keep them.")
    sort_order = models.PositiveSmallIntegerField(default=0)
    stripe_price_id = models.CharField(max_length=120, blank=True, editable=False)

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("slug")]),
        FieldPanel("description"),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("amount"), FieldPanel("currency"), FieldPanel("interval")]), FieldPanel("trial_days")],
            heading="Price",
        ),
        FieldRowPanel([FieldPanel("includes_print"), FieldPanel("active"), FieldPanel("sort_order")]),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["sort_order", "amount"]

    def __str__(self) -> str:
        return f"{self.name} ({self.price_display}/{self.interval})"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        self.currency = (self.currency or "").lower()
        if len(self.currency) != 3 or not self.currency.isalpha():
            raise ValidationError({"currency": "Use a three-letter ISO 4217 code such as usd or eur."})

    @property
    def price_display(self) -> str:
        return format_money(self.amount, self.currency)

    @property
    def monthly_amount(self) -> int:
        """For MRR: an annual plan counts one twelfth per month."""
        return self.amount if self.interval == self.MONTH else round(self.amount / 12)


def format_money(amount: int, currency: str) -> str:
    symbol = {"usd": "$", "eur": "€", "gbp": "£"}.get(currency.lower())
    value = f"{amount / 100:,.2f}"
    return f"{symbol}{value}" if symbol else f"{value} {currency.upper()}"


class Customer(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="billing_customer")
    stripe_id = models.CharField(max_length=120, unique=True)
    # The card Stripe charges by default: shown on the account page, and what
    # the guarantee checks against a previous claim.
    card_fingerprint = models.CharField(max_length=64, blank=True)
    card_brand = models.CharField(max_length=20, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    # The reader's own time zone for "day 60" of the guarantee; blank = settings.TIME_ZONE.
    time_zone = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Set while a subscribe request talks to Stripe: a double-submitted form
    # (or two tabs) cannot start two subscriptions. Stale after two minutes.
    checkout_started_at = models.DateTimeField(null=True, blank=True, editable=False)

    def __str__(self) -> str:
        return f"{self.user} ({self.stripe_id})"


class SubscriptionQuerySet(models.QuerySet["Subscription"]):
    def live(self) -> SubscriptionQuerySet:
        """Paying for access now: live at Stripe (as last mirrored) and not ended by a refund."""
        return self.filter(status__in=LIVE_STATUSES, refunded_at__isnull=True)


class Subscription(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="subscriptions")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="subscriptions")
    stripe_id = models.CharField(max_length=120, unique=True)
    status = models.CharField(max_length=24)
    current_period_end = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    cancel_reason = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    first_paid_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # Access ended by a refund (ours, or one made in Stripe's dashboard). From then
    # on the subscription is cancelled at Stripe and any later payment is refunded.
    refunded_at = models.DateTimeField(null=True, blank=True)
    # Set when Masthead itself starts refunding it (guarantee, staff): the refund
    # webhooks Stripe sends back meanwhile leave the ending and the email to that flow.
    refund_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set when this was a second live subscription of one reader: it was cancelled and refunded.
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    synced_at = models.DateTimeField(default=timezone.now)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.stripe_id} {self.status}"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES and self.refunded_at is None


class Payment(models.Model):
    """One paid invoice: the reader's receipt, and what a refund gives back."""

    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="payments", null=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="payments")
    stripe_invoice_id = models.CharField(max_length=120, unique=True)
    stripe_charge_id = models.CharField(max_length=120, blank=True)
    stripe_payment_intent_id = models.CharField(max_length=120, blank=True)
    number = models.CharField(max_length=64, blank=True)
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    paid_at = models.DateTimeField()
    refunded_at = models.DateTimeField(null=True, blank=True)
    refund_id = models.CharField(max_length=120, blank=True)
    card_fingerprint = models.CharField(max_length=64, blank=True)
    card_brand = models.CharField(max_length=20, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    receipt_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-paid_at"]

    def __str__(self) -> str:
        return f"{self.stripe_invoice_id} {self.amount_display}"

    @property
    def amount_display(self) -> str:
        return format_money(self.amount, self.currency)


class WebhookEvent(models.Model):
    """Every verified Stripe event, stored before it is acted on (unique id = delivered once)."""

    stripe_id = models.CharField(max_length=120, unique=True)
    type = models.CharField(max_length=80)
    payload = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["processed_at", "received_at"])]

    def __str__(self) -> str:
        return f"{self.stripe_id} {self.type}"


class GuaranteeClaim(models.Model):
    """A 60-day money-back claim: at most one per subscription, and one per person (see GuaranteeClaimKey)."""

    PENDING, REFUNDED, FAILED = "pending", "refunded", "failed"

    subscription = models.OneToOneField(Subscription, on_delete=models.PROTECT, related_name="guarantee_claim")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="guarantee_claims")
    # The address and default card at the time of the claim, for staff; the rule uses the keys.
    email = models.EmailField()
    card_fingerprint = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=12, default=PENDING)
    amount = models.PositiveIntegerField(default=0)
    currency = models.CharField(max_length=3, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    refunded_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"guarantee {self.email} {self.status}"


class GuaranteeClaimKey(models.Model):
    """One mark of the person a claim was for: their account, Stripe customer, each address, each card.

    A claim writes all of its person's keys in the transaction that creates it,
    and (kind, value) is unique, so the database is the lock: two concurrent
    claims sharing any key (two accounts that paid with one card) cannot both
    be written, and a later claim sharing one is refused.
    """

    USER, CUSTOMER, EMAIL, CARD = "user", "customer", "email", "card"
    KINDS = [(USER, "Account"), (CUSTOMER, "Stripe customer"), (EMAIL, "Email address"), (CARD, "Card fingerprint")]

    claim = models.ForeignKey(GuaranteeClaim, on_delete=models.PROTECT, related_name="keys")
    kind = models.CharField(max_length=12, choices=KINDS)
    value = models.CharField(max_length=254)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="guarantee_key_once")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"
