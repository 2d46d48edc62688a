"""House ads for the demo magazine: the publisher promoting its own offer, with banners drawn locally."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

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


FONT = Path(__file__).resolve().parent.parent / "static" / "fonts" / "source-serif-4-latin-700-normal.woff2"


def _lines(draw: ImageDraw.ImageDraw, words: str, font: Any, width: int) -> list[str]:
    lines: list[str] = []
    for word in words.split():
        trial = f"{lines[-1]} {word}" if lines else word
        if lines and draw.textlength(trial, font=font) <= width:
            lines[-1] = trial
        else:
            lines.append(word)
    return lines


def _banner(title: str, size: tuple[int, int], words: str) -> object:
    """The words set as large as fits inside the margins, measured (a guessed size ran off the edge)."""
    image = Image.new("RGB", size, (24, 38, 56))
    draw = ImageDraw.Draw(image)
    width, height = size
    margin = max(16, width // 14)
    font_size = min(height // 5, width // 8)
    while True:
        font = ImageFont.truetype(str(FONT), font_size)
        lines = _lines(draw, words, font, width - 2 * margin)
        fits = all(draw.textlength(line, font=font) <= width - 2 * margin for line in lines)
        if fits and len(lines) * font_size * 1.2 <= height - 2 * margin or font_size <= 12:
            break
        font_size -= 2
    block = len(lines) * font_size * 1.2
    draw.multiline_text(
        (width / 2, (height - block) / 2 + font_size * 0.1),
        "\n".join(lines),
        fill=(250, 244, 230),
        font=font,
        spacing=round(font_size * 0.2),
        align="center",
        anchor="ma",
    )
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
