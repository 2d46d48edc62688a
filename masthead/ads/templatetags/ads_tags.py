"""`{% ad_slot "article-inline" %}`: an ad for readers who are not ad-free, nothing for the rest.

Anonymous readers are never ad-free, so a page with an ad may sit in the
shared anonymous page cache. In a page shell (masthead/core/shells.py), shared
by signed-in readers too, the slot is a hole holding the chosen ad; each
request fills it with the ad or, for an ad-free reader, with nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.contrib.auth.models import AnonymousUser
from django.db.models import prefetch_related_objects
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from wagtail.images.models import AbstractRendition
from wagtail.images.shortcuts import get_rendition_or_not_found

from masthead.access import entitlements
from masthead.ads.models import HouseAd, Slot, choose
from masthead.core import cachetags, shells

register = template.Library()


# The one size ads.html shows an ad's image at.
AD_IMAGE_SPEC = "max-728x300"


@dataclass(frozen=True)
class ShownAd:
    ad: HouseAd
    # Made while loading, never in a request: these objects are shared by every
    # thread of the process, and Wagtail makes a rendition by seeking and reading
    # through the image instance's one file handle, so two threads making it at
    # once read each other's stream (500s under threaded servers: seen).
    image: AbstractRendition | None


def _load_switched_on() -> tuple[ShownAd, ...]:
    ads = list(HouseAd.objects.filter(active=True).select_related("image"))
    prefetch_related_objects([ad.image for ad in ads if ad.image is not None], "renditions")
    return tuple(
        ShownAd(ad=ad, image=get_rendition_or_not_found(ad.image, AD_IMAGE_SPEC) if ad.image is not None else None) for ad in ads
    )


def _switched_on() -> tuple[ShownAd, ...]:
    """Every switched-on ad with its image, kept per process until an ad is saved (a snippet: it purges `site`)."""
    return cachetags.sitewide("house-ads", _load_switched_on)


def _ad_free(request: Any) -> bool:
    """Asked once per request however many slots the page has (each answer is a query for signed-in readers)."""
    if request is None:
        return entitlements.is_ad_free(AnonymousUser())
    cached = getattr(request, "_masthead_ad_free", None)
    if cached is None:
        cached = entitlements.is_ad_free(getattr(request, "user", None) or AnonymousUser())
        request._masthead_ad_free = cached
    return bool(cached)


@register.simple_tag(takes_context=True)
def ad_slot(context: template.Context, slot: str) -> SafeString:
    if slot not in Slot.values:
        # A typo in a template should fail loudly in development, not hide ads forever.
        raise template.TemplateSyntaxError(f"ad_slot: unknown slot {slot!r}; known slots: {', '.join(Slot.values)}")
    request = context.get("request")
    recorder = shells.recording()
    if recorder is None and _ad_free(request):
        return mark_safe("")  # noqa: S308 - empty string
    now = timezone.now()
    shown = {item.ad: item.image for item in _switched_on() if item.ad.slot == slot and item.ad.is_live(now)}
    ad = choose(list(shown))
    if ad is None:
        return mark_safe("")  # noqa: S308 - empty string
    html = render_to_string("ads/ad.html", {"ad": ad, "img": shown[ad], "slot": slot}, request=request)
    if recorder is not None:
        # The same ad for every reader of this shell; whether it shows is each reader's.
        return recorder.hole("ad", html=html)
    return mark_safe(html)  # noqa: S308 - escaped template


def fill_ad_hole(request: Any, *, html: str) -> str:
    """The `reader_part:ad` hook: the shell's ad, unless this reader is ad-free."""
    return "" if _ad_free(request) else html
