"""Postal addresses of print readers.

One address per reader: the print edition goes to one place. Validation lives
in clean() so the account form, the admin and the services all refuse the
same bad input with the same message.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from masthead.fulfilment.countries import COUNTRIES, COUNTRY_NAMES
from masthead.fulfilment.postal import PHONE_RE, REGION_REQUIRED, normalise_postcode, postcode_error

ADDRESS_FIELDS = ("name", "line1", "line2", "city", "region", "postcode", "country", "phone")
REQUIRED_MESSAGES = {
    "name": "Enter the name of the person who receives the magazine.",
    "line1": "Enter the street address (house number and street).",
    "city": "Enter the town or city.",
    "country": "Choose the country.",
}


class PostalAddress(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="postal_address")
    name = models.CharField(
        "full name", max_length=120, help_text="The name on the envelope.", error_messages={"blank": REQUIRED_MESSAGES["name"]}
    )
    line1 = models.CharField("address line 1", max_length=200, error_messages={"blank": REQUIRED_MESSAGES["line1"]})
    line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField("town or city", max_length=120, error_messages={"blank": REQUIRED_MESSAGES["city"]})
    region = models.CharField("state, province or county", max_length=120, blank=True)
    postcode = models.CharField("postcode / ZIP", max_length=20, blank=True)
    country = models.CharField(
        max_length=2, choices=COUNTRIES, default="US", error_messages={"blank": REQUIRED_MESSAGES["country"]}
    )
    phone = models.CharField("phone (optional, for the courier)", max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "postal address"
        verbose_name_plural = "postal addresses"

    def __str__(self) -> str:
        return ", ".join(self.lines())

    @property
    def country_name(self) -> str:
        return COUNTRY_NAMES.get(self.country, self.country)

    def lines(self) -> list[str]:
        """The address as it goes on the envelope, top to bottom."""
        locality = " ".join(p for p in (self.city, self.region, self.postcode) if p)
        return [p for p in (self.name, self.line1, self.line2, locality, self.country_name) if p]

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        for field in ADDRESS_FIELDS:
            value = getattr(self, field)
            if isinstance(value, str):
                setattr(self, field, " ".join(value.split()))
                # An empty value was already refused by clean_fields (same message); spaces alone get through it.
                if value and not getattr(self, field) and field in REQUIRED_MESSAGES:
                    errors[field] = REQUIRED_MESSAGES[field]
        self.postcode = normalise_postcode(self.country, self.postcode)
        if self.country not in COUNTRY_NAMES:
            errors["country"] = f"{self.country!r} is not a country code we know; choose the country from the list."
        else:
            if message := postcode_error(self.country, self.postcode):
                errors["postcode"] = message
            if (region := REGION_REQUIRED.get(self.country)) and not self.region:
                errors["region"] = f"Enter the {region}; mail to {self.country_name} needs it."
        if self.phone and not PHONE_RE.match(self.phone):
            errors["phone"] = "Enter a phone number with digits, spaces and an optional leading +, or leave it empty."
        if errors:
            raise ValidationError(errors)


class MailingListExport(models.Model):
    """One version of an issue's mailing list as it went to the mailing house.

    Kept in the database, not in media storage: the file is personal data and
    media files are served publicly. The same content is one version however
    often it is downloaded; changed content is a new version with a new URL.
    """

    issue = models.ForeignKey("newsroom.IssuePage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    issue_label = models.CharField(max_length=200)
    version = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content = models.TextField()
    rows = models.PositiveIntegerField()
    missing = models.PositiveIntegerField(help_text="Print readers left out for lack of an address.")
    taken_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["issue", "version"], name="mailing_export_issue_version_unique")]

    def __str__(self) -> str:
        return f"{self.issue_label} v{self.version}"

    @property
    def filename(self) -> str:
        slug = "".join(c if c.isalnum() else "-" for c in self.issue_label.lower()).strip("-")
        return f"mailing-{slug[:60]}-v{self.version}.csv"
