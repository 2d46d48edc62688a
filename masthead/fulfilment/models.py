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
from django_countries.fields import CountryField

from masthead.fulfilment.postal import PHONE_RE, address_errors, country_name, is_country, label_lines, normalise_postcode

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
    # Required where the country's mail needs a town (nearly everywhere; not Hong Kong or Japan): see clean().
    city = models.CharField("town or city", max_length=120, blank=True)
    region = models.CharField("state, province or county", max_length=120, blank=True)
    postcode = models.CharField("postcode / ZIP", max_length=20, blank=True)
    # The same two-letter codes as before (ISO 3166-1), so stored addresses need no data migration.
    country = CountryField(default="US", error_messages={"blank": REQUIRED_MESSAGES["country"]})
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
        return country_name(self.country_code)

    @property
    def country_code(self) -> str:
        return str(self.country or "")

    def fields(self) -> dict[str, str]:
        return {name: str(getattr(self, name) or "") for name in ADDRESS_FIELDS}

    def lines(self) -> list[str]:
        """The address as it goes on the envelope, top to bottom, in the country's layout."""
        return label_lines(self.fields())

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        for field in ADDRESS_FIELDS:
            value = getattr(self, field)
            if isinstance(value, str):
                setattr(self, field, " ".join(value.split()))
                # An empty value was already refused by clean_fields (same message); spaces alone get through it.
                if value and not getattr(self, field) and field in REQUIRED_MESSAGES and field != "city":
                    errors[field] = REQUIRED_MESSAGES[field]
        self.postcode = normalise_postcode(self.country_code, self.postcode)
        if not is_country(self.country_code):
            errors["country"] = f"{self.country_code!r} is not a country code we know; choose the country from the list."
        else:
            for field, message in address_errors(self.fields()).items():
                if field == "city" and not self.city:
                    errors["city"] = REQUIRED_MESSAGES["city"]
                elif field in REQUIRED_MESSAGES and not getattr(self, field):
                    continue  # refused above or by clean_fields, in the same words
                else:
                    errors.setdefault(field, message)
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


class PrintRun(models.Model):
    """Who gets one issue in print: taken once, at the issue's closing date, and never changed after.

    The recipients are copies (name, address, plan), not links to the live address book: a reader who moves
    after the run was taken gets the next issue at the new address, and this run still says where this
    issue went. Keyed to newsroom's issue page (fulfilment may read newsroom; see docs/architecture.md);
    the label fields keep the run readable if the page is ever deleted.
    """

    issue = models.OneToOneField("newsroom.IssuePage", null=True, blank=True, on_delete=models.SET_NULL, related_name="print_run")
    issue_label = models.CharField(max_length=200)
    cover_date = models.DateField()
    closes_at = models.DateTimeField(help_text="Print entitlement is asked at this moment (the start of the closing date).")
    taken_at = models.DateTimeField(auto_now_add=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty: taken by the scheduled command.",
    )
    copies = models.PositiveIntegerField(help_text="Recipients with an address: the copies to mail.")
    missing = models.PositiveIntegerField(help_text="Print readers left out for lack of an address.")

    class Meta:
        ordering = ["-cover_date"]

    def __str__(self) -> str:
        return f"Print run of {self.issue_label}"


class PrintRunRecipient(models.Model):
    run = models.ForeignKey(PrintRun, on_delete=models.CASCADE, related_name="recipients")
    reader_id = models.PositiveIntegerField(help_text="The reader's account id when the run was taken.")
    email = models.EmailField()
    plan = models.CharField(max_length=200, blank=True)
    has_address = models.BooleanField()
    name = models.CharField(max_length=120, blank=True)
    line1 = models.CharField(max_length=200, blank=True)
    line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=120, blank=True)
    region = models.CharField(max_length=120, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    label = models.TextField(blank=True, help_text="The envelope label in the country's layout, one line per line.")

    class Meta:
        # Mailing houses sort by country and postcode for postage rates; so does the export.
        ordering = ["country", "postcode", "name", "pk"]
        constraints = [models.UniqueConstraint(fields=["run", "reader_id"], name="print_run_reader_once")]

    def __str__(self) -> str:
        return f"{self.email} in {self.run}"

    @property
    def label_lines(self) -> list[str]:
        return [line for line in self.label.split("\n") if line]


class PrintRunExport(models.Model):
    """Each time a run left for the mailing house: who, when, in which format, and a digest of the bytes."""

    run = models.ForeignKey(PrintRun, on_delete=models.CASCADE, related_name="exports")
    exported_at = models.DateTimeField(auto_now_add=True)
    exported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    format = models.CharField(max_length=40)
    rows = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["-exported_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.run} exported {self.exported_at:%Y-%m-%d %H:%M}"
