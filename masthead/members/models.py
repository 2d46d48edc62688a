"""Readers' accounts beyond the auth user, and gift codes.

Who may read what (grants, the meter) lives in masthead.access; a redeemed
gift becomes a Grant through access.services.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class GiftCode(models.Model):
    """A prepaid period of access that someone bought for someone else."""

    code = models.CharField(max_length=32, unique=True)
    months = models.PositiveSmallIntegerField(default=12)
    includes_print = models.BooleanField(default=False)
    purchaser_email = models.EmailField(blank=True)
    note = models.CharField(max_length=255, blank=True)
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="redeemed_gifts"
    )
    redeemed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"Gift {self.code} ({self.months} months)"

    @property
    def is_redeemed(self) -> bool:
        return self.redeemed_at is not None


class Profile(models.Model):
    """What a reader tells us about themselves beyond the auth user."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(max_length=120, blank=True)

    def __str__(self) -> str:
        return self.display_name or str(self.user)


class PastEmail(models.Model):
    """An address an account used to have, kept when it changes.

    "Once per person" rules (the money-back guarantee) count every address a
    reader has had, so changing it does not make a new person.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="past_emails")
    email = models.EmailField(help_text="Normalised (trimmed, lower case).")
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "email"], name="past_email_once_per_account")]
        ordering = ["-replaced_at"]

    def __str__(self) -> str:
        return f"{self.email} (until {self.replaced_at:%Y-%m-%d})"
