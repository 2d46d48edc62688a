"""`{% ad_slot "article-inline" %}`: an ad for readers who are not ad-free, nothing for the rest.

Anonymous readers are never ad-free, so a page with an ad may sit in the
shared anonymous page cache; signed-in readers' pages never do (the cache
skips any request with a session), so a subscriber never gets a cached ad.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from masthead.access import entitlements
from masthead.ads.models import HouseAd, Slot

register = template.Library()


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
    if _ad_free(request):
        return mark_safe("")  # noqa: S308 - empty string
    ad = HouseAd.objects.pick(slot)
    if ad is None:
        return mark_safe("")  # noqa: S308 - empty string
    return mark_safe(render_to_string("ads/ad.html", {"ad": ad, "slot": slot}, request=request))  # noqa: S308 - escaped template
