"""Generated audio: one Narration per (article revision, variant, voice), and the paragraph cache.

Contract for the audio app (serving, player, podcast feeds):
- Pick the row with ``selectors.current_narration(page, variant)``; ``variant`` is
  "full" only for readers entitled to the whole article (ask the access gate),
  "teaser" otherwise (headline + byline + preview blocks).
- ``audio`` has a versioned name containing a hash of its bytes, so a new
  rendering is a new URL and a published file is never overwritten. Every
  narration file (MP3s and clips) is in the private storage: it leaves only
  through the gated views (/audio/…, the private feed).
- ``segments`` lists what was spoken, in order: [{"block_id", "start_ms",
  "end_ms", "text"}]. block_id is the StreamField block id the article page
  renders as ``data-block`` (or "headline" / "byline" for the spoken header).
"""

from __future__ import annotations

from django.db import models

from masthead.core.private_files import get_private_storage

__all__ = ["Narration", "Clip"]


class Narration(models.Model):
    class Variant(models.TextChoices):
        FULL = "full", "Full article"
        # What a reader who may not read the article may hear: headline, byline, preview blocks.
        TEASER = "teaser", "Teaser (preview only)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    page = models.ForeignKey("newsroom.ArticlePage", on_delete=models.CASCADE, related_name="narrations")
    revision_id = models.PositiveIntegerField(help_text="The published revision that was narrated.")
    variant = models.CharField(max_length=8, choices=Variant.choices, default=Variant.FULL)
    voice = models.CharField(max_length=120, help_text="Engine voice id incl. engine version; part of every cache key.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED, db_index=True)
    # Private: the full reading of a gated article is its text in another form (core/private_files.py).
    audio = models.FileField(upload_to="narration/", max_length=255, blank=True, storage=get_private_storage)
    size_bytes = models.PositiveBigIntegerField(default=0)
    duration_ms = models.PositiveIntegerField(default=0)
    segments = models.JSONField(default=list, blank=True)
    transcript = models.TextField(
        blank=True, help_text="The article's words that were read aloud (as written, before text preparation)."
    )
    # sha256 of the prepared segments + voice: tells whether a lexicon change alters this audio.
    source_hash = models.CharField(max_length=64, blank=True)
    # Set when the lexicon changed after this audio was made; the next job re-renders it.
    stale = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When a worker claimed the job; a claim older than the job timeout is treated as a crashed worker.
    claimed_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["page", "revision_id", "variant", "voice"], name="narration_once_per_revision")
        ]
        indexes = [models.Index(fields=["page", "variant", "status", "-revision_id"], name="narration_lookup")]
        ordering = ["-revision_id", "-updated"]

    def __str__(self) -> str:
        return f"{self.page_id} r{self.revision_id} {self.variant} {self.voice} [{self.status}]"

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY and bool(self.audio)

    @property
    def duration_seconds(self) -> float:
        return self.duration_ms / 1000


class Clip(models.Model):
    """One synthesised paragraph, reused by every narration that speaks the same prepared text with the same voice.

    Persisted the moment it is synthesised, so a crashed job resumes where it stopped.
    """

    # sha256 of prepared text + voice id + engine version.
    key = models.CharField(max_length=64, unique=True)
    voice = models.CharField(max_length=120)
    text = models.TextField(help_text="The prepared text that was spoken.")
    # Raw mono signed 16-bit little-endian PCM.
    pcm = models.FileField(upload_to="narration/clips/", max_length=255, storage=get_private_storage)
    sample_rate = models.PositiveIntegerField()
    samples = models.PositiveIntegerField()
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.key[:12]} {self.voice} {self.samples / max(self.sample_rate, 1):.1f}s"

    @property
    def duration_ms(self) -> int:
        return round(self.samples * 1000 / self.sample_rate) if self.sample_rate else 0
