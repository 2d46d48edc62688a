"""House ads for the demo magazine: the publisher promoting its own offer, with banners drawn locally."""

from __future__ import annotations

import io

from django.core.files.images import ImageFile
from PIL import Image, ImageDraw, ImageFont
from wagtail.images import get_image_model

from masthead.ads.models import HouseAd, Slot

DEMO_ADS = [
    # name, slot, banner size or None for a text ad, words on the banner (also its alt text), text under it, link
    ("Print edition", Slot.ARTICLE_INLINE, (728, 180), "The print edition: 24 issues a year, delivered", "", "/billing/"),
    (
        "Audio",
        Slot.SIDEBAR,
        (300, 250),
        "Listen to every article",
        "Audio for all articles, with a private podcast feed.",
        "/billing/",
    ),
    ("Ad-free", Slot.HOME_BANNER, None, "", "Subscribers read without ads. 60-day money-back guarantee.", "/billing/"),
    ("Archive", Slot.SECTION_BANNER, None, "", "Every back issue, for subscribers: unlimited access to the archive.", "/issues/"),
]


def _banner(title: str, size: tuple[int, int], words: str) -> object:
    image = Image.new("RGB", size, (24, 38, 56))
    draw = ImageDraw.Draw(image)
    try:
        font = ImageFont.load_default(size=max(18, size[1] // 8))
    except TypeError:  # Pillow before 10.1 has no sized default font
        font = ImageFont.load_default()
    draw.multiline_text((24, size[1] // 3), words.replace(": ", ":\n"), fill=(250, 244, 230), font=font, spacing=8)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return get_image_model().objects.create(title=title, file=ImageFile(buffer, name=f"house-ad-{size[0]}x{size[1]}.png"))


def setup_house_ads() -> int:
    """Create the demo ads once (matched by name); returns how many were new."""
    created = 0
    for name, slot, size, words, text, link in DEMO_ADS:
        if HouseAd.objects.filter(name=name).exists():
            continue
        image = _banner(f"House ad: {name}", size, words) if size else None
        HouseAd.objects.create(name=name, slot=slot, image=image, alt_text=words, text=text, link=link, weight=1)
        created += 1
    return created
