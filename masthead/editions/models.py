"""Generated edition files: one row per file built for an issue (EPUB, PDFs, audio).

The same contract as narration's audio and pretix's CachedFile:
- A row is created (queued) when the inputs of a kind change (``source_hash``);
  a task builds it by primary key and may run twice (the claim decides).
- ``version`` counts up per (issue, kind); the stored name carries the version
  and a hash of the bytes, so a new build is a new file and a published file is
  never overwritten.
- Readers get the newest READY row of a kind: the previous version keeps being
  served until its successor is ready, and a failed build changes nothing for them.
- Files live in private storage; they leave only through editions.views after the gate.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting


def edition_storage() -> Any:
    # A callable, so migrations name this function rather than a storage class
    # that the private-files module may replace.
    from masthead.core.private_files import private_storage

    return private_storage


class Kind(models.TextChoices):
    EPUB = "epub", "EPUB"
    PDF = "pdf", "Reading PDF"
    PRINT = "print", "Print interior PDF"
    PRINT_COVER = "print_cover", "Print cover PDF"
    AUDIO = "audio", "Audio edition (MP3)"


# What a reader downloads, and what only staff (the printer's files) may fetch.
READER_KINDS = (Kind.EPUB, Kind.PDF, Kind.AUDIO)
STAFF_KINDS = (Kind.PRINT, Kind.PRINT_COVER)

EXTENSIONS = {Kind.EPUB: "epub", Kind.PDF: "pdf", Kind.PRINT: "pdf", Kind.PRINT_COVER: "pdf", Kind.AUDIO: "mp3"}
CONTENT_TYPES = {
    Kind.EPUB: "application/epub+zip",
    Kind.PDF: "application/pdf",
    Kind.PRINT: "application/pdf",
    Kind.PRINT_COVER: "application/pdf",
    Kind.AUDIO: "audio/mpeg",
}


class EditionFileQuerySet(models.QuerySet["EditionFile"]):
    def ready(self) -> EditionFileQuerySet:
        return self.filter(status=EditionFile.Status.READY).exclude(file="")

    def pending(self) -> EditionFileQuerySet:
        return self.filter(status__in=[EditionFile.Status.QUEUED, EditionFile.Status.RUNNING])


class EditionFile(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Building"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"
        # A newer version was queued before this one was built: it never will be.
        SUPERSEDED = "superseded", "Superseded"

    issue = models.ForeignKey("newsroom.IssuePage", on_delete=models.CASCADE, related_name="edition_files")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED, db_index=True)
    file = models.FileField(storage=edition_storage, upload_to="editions/", max_length=255, blank=True)
    # sha256 of everything the builder reads (text, images, narration, layout settings, builder version).
    source_hash = models.CharField(max_length=64)
    size_bytes = models.PositiveBigIntegerField(default=0)
    page_count = models.PositiveIntegerField(default=0)
    duration_ms = models.PositiveIntegerField(default=0)
    # Builder findings kept for staff: the print preflight (low-resolution images, unembedded fonts),
    # chapters of the audio edition, which articles carry a read-along.
    details = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    # Whether running the same build again may succeed (a worker died, storage hiccup) or not (bad input).
    retryable = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    build_seconds = models.FloatField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    built_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = EditionFileQuerySet.as_manager()

    class Meta:
        verbose_name = "edition file"
        ordering = ["issue_id", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["issue", "kind", "version"], name="edition_file_version_once"),
            # At most one build waiting per issue and kind: a second edit joins the queued one
            # (the build reads the content when it starts, so it includes both edits).
            models.UniqueConstraint(fields=["issue", "kind"], condition=Q(status="queued"), name="edition_file_one_queued"),
        ]
        indexes = [models.Index(fields=["issue", "kind", "status", "-version"], name="edition_file_lookup")]

    def __str__(self) -> str:
        return f"{self.issue_id} {self.kind} v{self.version} [{self.status}]"

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY and bool(self.file)

    @property
    def extension(self) -> str:
        return EXTENSIONS[Kind(self.kind)]

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[Kind(self.kind)]


class Frequency(models.TextChoices):
    SEMIMONTHLY = "semimonthly", "Twice a month: the 1st and the 15th"
    FORTNIGHTLY = "fortnightly", "Every other week"


@register_setting(icon="date")
class IssueSchedule(BaseSiteSetting):
    """When issues come out. Set once; the app keeps the next issues ready as drafts (editions.schedule)."""

    frequency = models.CharField(max_length=16, choices=Frequency.choices, default=Frequency.SEMIMONTHLY)
    fortnightly_from = models.DateField(
        "every other week from",
        null=True,
        blank=True,
        help_text="For every other week: the cover date of one issue; the others follow 14 days apart.",
    )
    breaks = models.TextField(
        blank=True,
        help_text="Cover dates with no issue (a double issue, a holiday), one per line as YYYY-MM-DD. "
        "A year never has more than 24 issues: every other week gives 26 or 27 dates, and the last ones of the year are "
        "left out unless breaks take their place.",
    )
    reference_year = models.PositiveSmallIntegerField(
        default=2024, help_text="Volume numbering: in this year the magazine publishes…"
    )
    reference_volume = models.PositiveSmallIntegerField(
        default=40, help_text="…this volume. The volume goes up by one every January; numbers start again at 1."
    )
    issues_ahead = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(24)], help_text="How many upcoming issues exist as drafts."
    )
    closing_days = models.PositiveSmallIntegerField(
        default=7,
        validators=[MaxValueValidator(60)],
        help_text="The print run closes this many days before the cover date (a new draft's closing date).",
    )

    panels = [
        FieldPanel("frequency"),
        FieldPanel("fortnightly_from"),
        FieldPanel("breaks"),
        FieldRowPanel([FieldPanel("reference_year"), FieldPanel("reference_volume")], heading="Volume numbering"),
        FieldRowPanel([FieldPanel("issues_ahead"), FieldPanel("closing_days")]),
    ]

    class Meta:
        verbose_name = "Issue schedule"

    def break_dates(self) -> set[date]:
        found = set()
        for line in self.breaks.split():
            try:
                found.add(date.fromisoformat(line.strip().rstrip(",")))
            except ValueError:
                continue  # clean() refuses bad lines; rows saved before keep working
        return found

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if self.frequency == Frequency.FORTNIGHTLY and self.fortnightly_from is None:
            errors["fortnightly_from"] = "Every other week needs the cover date of one issue to count from."
        bad = []
        for line in self.breaks.split():
            try:
                date.fromisoformat(line.strip().rstrip(","))
            except ValueError:
                bad.append(line)
        if bad:
            errors["breaks"] = f"Not a date (YYYY-MM-DD): {', '.join(bad[:5])}."
        if self.reference_year and not 1800 <= self.reference_year <= 2200:
            errors["reference_year"] = "Enter a year such as 2024."
        if errors:
            raise ValidationError(errors)
