"""House ads: staff-made promotions shown in named slots to readers who are not ad-free.

Ads never look at subscriptions themselves: the slot asks
access.entitlements.is_ad_free, the one answer every app shares.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, URLValidator
from django.db import models
from django.utils import timezone
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel


def validate_link(value: str) -> None:
    """A path on this site or an http(s) address; anything else (javascript:, mailto:) is refused."""
    if value.startswith("/") and not value.startswith("//"):
        return
    if not value.startswith(("http://", "https://")):
        raise ValidationError("Enter a path on this site starting with / or a full address starting with https://.")
    URLValidator(schemes=["http", "https"])(value)


class Slot(models.TextChoices):
    ARTICLE_INLINE = "article-inline", "Article: inside the body"
    SIDEBAR = "sidebar", "Sidebar (home page, beside the lead)"
    HOME_BANNER = "home-banner", "Home page banner"
    SECTION_BANNER = "section-banner", "Section page banner"


class HouseAdQuerySet(models.QuerySet["HouseAd"]):
    def live(self, at: datetime | None = None) -> HouseAdQuerySet:
        """Switched on and inside its run: started (or no start) and not yet ended."""
        at = at or timezone.now()
        return self.filter(
            models.Q(starts_at__isnull=True) | models.Q(starts_at__lte=at),
            models.Q(ends_at__isnull=True) | models.Q(ends_at__gt=at),
            active=True,
        )

    def pick(self, slot: str, *, at: datetime | None = None, rng: random.Random | None = None) -> HouseAd | None:
        """One live ad for the slot, chosen in proportion to its weight."""
        return choose(list(self.live(at).filter(slot=slot).select_related("image")), rng=rng)


def choose(candidates: list[HouseAd], *, rng: random.Random | None = None) -> HouseAd | None:
    if not candidates:
        return None
    return (rng or random).choices(candidates, weights=[ad.weight for ad in candidates], k=1)[0]


class HouseAd(models.Model):
    name = models.CharField(max_length=120, help_text="For staff only; readers never see it.")
    slot = models.CharField(max_length=32, choices=Slot.choices, db_index=True)
    image = models.ForeignKey("wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    alt_text = models.CharField(
        max_length=200, blank=True, help_text="What the image says, for screen readers. Required with an image."
    )
    text = models.CharField(max_length=280, blank=True, help_text="Shown under the image, or alone for a text ad.")
    link = models.CharField(
        max_length=500,
        validators=[validate_link],
        help_text="Where a click goes: a page on this site (/billing/) or a full address (https://example.com/offer).",
    )
    starts_at = models.DateTimeField(null=True, blank=True, help_text="Empty: from now.")
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Empty: until switched off.")
    active = models.BooleanField(default=True)
    weight = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1)], help_text="How often this ad shows against others in the same slot."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = HouseAdQuerySet.as_manager()

    panels = [
        FieldPanel("name"),
        FieldPanel("slot"),
        MultiFieldPanel([FieldPanel("image"), FieldPanel("alt_text"), FieldPanel("text"), FieldPanel("link")], "Creative"),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]), FieldPanel("active"), FieldPanel("weight")],
            "Schedule",
        ),
    ]

    class Meta:
        ordering = ["slot", "-weight", "name"]
        verbose_name = "house ad"

    def __str__(self) -> str:
        return f"{self.name} ({self.get_slot_display()})"

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        if not self.image_id and not self.text.strip():
            errors["text"] = "An ad needs an image or some text; add one of them."
        if self.image_id and not self.alt_text.strip():
            errors["alt_text"] = "Describe the image for readers who cannot see it."
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = "The end must be after the start."
        if errors:
            raise ValidationError(errors)

    def is_live(self, at: datetime) -> bool:
        """The same test as HouseAdQuerySet.live, on one ad already loaded."""
        return self.active and (self.starts_at is None or self.starts_at <= at) and (self.ends_at is None or self.ends_at > at)

    @property
    def is_external(self) -> bool:
        return self.link.startswith(("http://", "https://"))
