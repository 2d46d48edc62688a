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
    trial_days = models.PositiveSmallIntegerField(
        default=0, help_text="Free days before the first payment (0 = no trial). A reader gets one trial, ever."
    )
    trial_requires_card = models.BooleanField(
        default=True,
        help_text="Ask for a card when the trial starts (it is charged when the trial ends). Off: the reader adds a card "
        "during the trial, or the subscription ends with it.",
    )
    includes_print = models.BooleanField(default=False, help_text="Digital + Print: the reader must give a postal address.")
    active = models.BooleanField(default=True, help_text="Inactive plans are not offered; existing subscribers keep them.")
    sort_order = models.PositiveSmallIntegerField(default=0)
    stripe_price_id = models.CharField(max_length=120, blank=True, editable=False)

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("slug")]),
        FieldPanel("description"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("amount"), FieldPanel("currency"), FieldPanel("interval")]),
                FieldRowPanel([FieldPanel("trial_days"), FieldPanel("trial_requires_card")]),
            ],
            heading="Price and trial",
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
        if self.trial_days > 730:
            raise ValidationError({"trial_days": "Stripe allows trials of up to 730 days."})

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


class PromoCode(models.Model):
    """A code a reader types at checkout for a discount: a Stripe coupon and promotion code (synced on save)."""

    ONCE, FOREVER, REPEATING = "once", "forever", "repeating"
    DURATIONS = [(ONCE, "The first payment"), (REPEATING, "A number of months"), (FOREVER, "Every payment")]

    code = models.CharField(max_length=40, unique=True, help_text="What readers type, e.g. SPRING25 (letters, digits, - and _).")
    description = models.CharField(max_length=120, blank=True, help_text="Shown to the reader, e.g. “Spring offer”.")
    percent_off = models.PositiveSmallIntegerField(null=True, blank=True, help_text="1–100. Or give an amount off.")
    amount_off = models.PositiveIntegerField(null=True, blank=True, help_text="In minor units (cents), in the plans' currency.")
    currency = models.CharField(max_length=3, default="usd")
    duration = models.CharField(max_length=10, choices=DURATIONS, default=ONCE)
    duration_in_months = models.PositiveSmallIntegerField(null=True, blank=True)
    plans = models.ManyToManyField(Plan, blank=True, help_text="Only these plans (none chosen: every plan).")
    expires_at = models.DateTimeField(null=True, blank=True, help_text="After this moment the code is refused.")
    max_redemptions = models.PositiveIntegerField(
        null=True, blank=True, help_text="How many readers may use it (empty: no limit)."
    )
    active = models.BooleanField(default=True)
    stripe_coupon_id = models.CharField(max_length=120, blank=True, editable=False)
    stripe_promotion_code_id = models.CharField(max_length=120, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    panels = [
        FieldRowPanel([FieldPanel("code"), FieldPanel("description")]),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("percent_off"), FieldPanel("amount_off"), FieldPanel("currency")]),
                FieldRowPanel([FieldPanel("duration"), FieldPanel("duration_in_months")]),
            ],
            heading="Discount",
        ),
        FieldPanel("plans"),
        FieldRowPanel([FieldPanel("expires_at"), FieldPanel("max_redemptions"), FieldPanel("active")]),
    ]

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "promo code"

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        self.code = normalise_code(self.code)
        self.currency = (self.currency or "").lower()
        errors: dict[str, str] = {}
        if not self.code or not all(c.isalnum() or c in "-_" for c in self.code):
            errors["code"] = "Use letters, digits, - and _ only."
        if (self.percent_off is None) == (self.amount_off is None):
            errors["percent_off"] = "Give either a percentage or an amount off."
        elif self.percent_off is not None and not 1 <= self.percent_off <= 100:
            errors["percent_off"] = "A percentage runs from 1 to 100."
        elif self.amount_off is not None and self.amount_off < 1:
            errors["amount_off"] = "An amount off must be at least 1 (minor units)."
        if self.duration == self.REPEATING and not self.duration_in_months:
            errors["duration_in_months"] = "Say for how many months."
        if errors:
            raise ValidationError(errors)

    @property
    def discount_display(self) -> str:
        off = f"{self.percent_off}% off" if self.percent_off else f"{format_money(self.amount_off or 0, self.currency)} off"
        if self.duration == self.ONCE:
            return f"{off} your first payment"
        if self.duration == self.REPEATING:
            return f"{off} for {self.duration_in_months} months"
        return f"{off} every payment"

    def discount_on(self, amount: int) -> int:
        """What this code takes off one payment of `amount` (never more than the amount)."""
        off = amount * (self.percent_off or 0) // 100 if self.percent_off else (self.amount_off or 0)
        return min(off, amount)


def normalise_code(code: str) -> str:
    return "".join((code or "").split()).upper()[:40]


class TaxRate(models.Model):
    """A tax added to (or included in) every subscription payment: a Stripe tax rate, synced on save."""

    display_name = models.CharField(max_length=50, help_text="As on the receipt, e.g. “VAT” or “Sales tax”.")
    percentage = models.DecimalField(max_digits=6, decimal_places=3)
    inclusive = models.BooleanField(default=False, help_text="The plans' prices already include this tax.")
    jurisdiction = models.CharField(max_length=50, blank=True, help_text="e.g. DE, or California.")
    active = models.BooleanField(default=True, help_text="Active rates apply to new subscriptions.")
    stripe_id = models.CharField(max_length=120, blank=True, editable=False)

    panels = [
        FieldRowPanel([FieldPanel("display_name"), FieldPanel("percentage"), FieldPanel("inclusive")]),
        FieldRowPanel([FieldPanel("jurisdiction"), FieldPanel("active")]),
    ]

    class Meta:
        verbose_name = "tax rate"

    def __str__(self) -> str:
        return f"{self.display_name} {self.percentage.normalize()}%{' incl.' if self.inclusive else ''}"


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
    # For tax-ready receipts: who is buying, where, and their VAT / tax ID (also sent to Stripe).
    billing_name = models.CharField(max_length=120, blank=True)
    billing_address = models.TextField(blank=True, max_length=500)
    billing_country = models.CharField(max_length=2, blank=True)
    tax_id = models.CharField(max_length=40, blank=True)
    # Whether this reader has had a free trial (one per reader, ever).
    trial_used_at = models.DateTimeField(null=True, blank=True, editable=False)

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
    # The trial end the "your trial ends soon" email was sent for (billing.trials): once per trial end,
    # however often Stripe's trial_will_end arrives or the daily run finds it.
    trial_reminder_sent_for = models.DateTimeField(null=True, blank=True, editable=False)
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
    # The tax-ready receipt: before discount and tax, what the code took off, the tax and its name.
    subtotal = models.IntegerField(default=0)
    discount = models.PositiveIntegerField(default=0)
    tax = models.PositiveIntegerField(default=0)
    tax_description = models.CharField(max_length=120, blank=True)
    description = models.CharField(max_length=200, blank=True)
    # The buyer as at the payment (a receipt must not change when they edit their details later).
    buyer_name = models.CharField(max_length=120, blank=True)
    buyer_address = models.TextField(blank=True)
    buyer_tax_id = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-paid_at"]

    def __str__(self) -> str:
        return f"{self.stripe_invoice_id} {self.amount_display}"

    @property
    def amount_display(self) -> str:
        return format_money(self.amount, self.currency)

    @property
    def subtotal_display(self) -> str:
        return format_money(self.subtotal or self.amount, self.currency)

    @property
    def discount_display(self) -> str:
        return format_money(self.discount, self.currency)

    @property
    def tax_display(self) -> str:
        return format_money(self.tax, self.currency)


class PromoRedemption(models.Model):
    """A reader used a code: once per reader, counted against max_redemptions."""

    promo = models.ForeignKey(PromoCode, on_delete=models.PROTECT, related_name="redemptions")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="promo_redemptions")
    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["promo", "customer"], name="promo_once_per_reader")]

    def __str__(self) -> str:
        return f"{self.promo} by {self.customer}"


class GiftPurchase(models.Model):
    """A reader paying once for N months for someone else; paid, it becomes a members gift code."""

    PENDING, PAID, FAILED = "pending", "paid", "failed"

    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="gift_purchases")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+")
    months = models.PositiveSmallIntegerField()
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    recipient_email = models.EmailField(blank=True)
    message = models.TextField(blank=True, max_length=1000)
    status = models.CharField(max_length=10, default=PENDING)
    # The card the buyer confirmed: one purchase per confirmation, so a resubmitted form pays once.
    setup_intent_id = models.CharField(max_length=120, unique=True)
    stripe_payment_intent_id = models.CharField(max_length=120, unique=True, null=True, blank=True)
    stripe_charge_id = models.CharField(max_length=120, blank=True)
    gift_code = models.CharField(max_length=32, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"gift {self.months} months by {self.buyer} ({self.status})"

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
