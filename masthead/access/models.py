"""Who may read what: grants of access, the meter and its setting.

A reader's access is the union of their Grants. A Grant is one source of
access — a paid subscription (billing writes it from Stripe), a complimentary
grant by staff, or a redeemed gift — with a time window. Nothing else in the
code decides access: entitlements.py answers questions from these rows, and
services.py is the only writer.

The tables keep the names they had when these models lived in members
(``db_table``), so moving them here moved no data.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting


class GrantKind(models.TextChoices):
    SUBSCRIPTION = "subscription", "Paid subscription"
    COMP = "comp", "Complimentary"
    GIFT = "gift", "Gift"


class GrantQuerySet(models.QuerySet["Grant"]):
    def active(self, at: datetime | None = None) -> GrantQuerySet:
        """Grants in force at `at` (now): started, not yet ended, never revoked."""
        at = at or timezone.now()
        return self.filter(Q(ends_at__isnull=True) | Q(ends_at__gt=at), starts_at__lte=at, revoked_at__isnull=True)


class Grant(models.Model):
    """One source of a reader's access, with the window it covers."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grants")
    kind = models.CharField(max_length=16, choices=GrantKind.choices)
    # Where the grant comes from: a Stripe subscription id, a gift code, "comp:<n>".
    # Unique per kind so a repeated webhook or a double click updates, never duplicates.
    reference = models.CharField(max_length=255)
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Leave empty for access without an end date.")
    includes_print = models.BooleanField(default=False, help_text="The reader also receives the print edition.")
    revoked_at = models.DateTimeField(null=True, blank=True, help_text="Set when access was taken away early.")
    # Why access ends or ended: "cancelled", "expired" (ends_at set) or "refunded", "revoked" (revoked_at set).
    revoke_reason = models.CharField(max_length=64, blank=True)
    note = models.CharField(max_length=255, blank=True, help_text="Plan name or why staff granted it; shown to the reader.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = GrantQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "reference"], name="grant_kind_reference_unique")]
        indexes = [models.Index(fields=["user", "revoked_at", "ends_at"], name="grant_user_active")]
        ordering = ["-starts_at"]
        db_table = "members_grant"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.user} ({self.reference})"

    def is_active(self, at: datetime | None = None) -> bool:
        at = at or timezone.now()
        return self.revoked_at is None and self.starts_at <= at and (self.ends_at is None or at < self.ends_at)

    is_active.boolean = True  # type: ignore[attr-defined]

    @property
    def plan_name(self) -> str:
        return self.note or self.get_kind_display()


class MeterRead(models.Model):
    """One counted read of a subscriber article by a non-subscriber.

    reader_key is "u:<user id>" for signed-in readers; anonymous readers get
    three rows per read, "c:<cookie id>" and "h:<hash of network and user
    agent>", so clearing the cookie does not reset the count, and
    "n:<hash of network>" for the per-network daily ceiling.
    """

    reader_key = models.CharField(max_length=80)
    page_id = models.PositiveIntegerField()
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["reader_key", "read_at"], name="meter_reader_window")]
        db_table = "members_meterread"

    def __str__(self) -> str:
        return f"{self.reader_key} read page {self.page_id}"


@register_setting(icon="lock")
class PaywallSettings(BaseSiteSetting):
    free_articles_per_30_days = models.PositiveSmallIntegerField(
        default=3,
        help_text="Subscriber articles a reader without a subscription may read per 30 days. 0 makes a hard paywall.",
    )

    panels = [FieldPanel("free_articles_per_30_days")]

    class Meta:
        verbose_name = "paywall"
        db_table = "members_paywallsettings"
