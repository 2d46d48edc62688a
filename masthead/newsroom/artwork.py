"""Images drawn locally with Pillow: import placeholders and demo artwork.

Nothing is downloaded. Every function is deterministic for a given seed, so
the demo looks the same on every machine and re-running it changes nothing.
"""

from __future__ import annotations

import io
import math
import random
from pathlib import Path
from typing import Any

from django.core.files.images import ImageFile
from django.utils.text import slugify
from PIL import Image, ImageDraw, ImageFont
from wagtail.images import get_image_model

PALETTES = [
    ((18, 44, 74), (196, 92, 60)),
    ((30, 70, 50), (210, 190, 120)),
    ((60, 30, 70), (230, 140, 110)),
    ((20, 60, 90), (120, 200, 210)),
    ((90, 40, 30), (240, 200, 150)),
    ((40, 40, 48), (170, 180, 200)),
]


# The site's own face (static/fonts), so the art matches the pages on every machine; DejaVu if it is missing.
SERIF_BOLD = Path(__file__).resolve().parent.parent / "static" / "fonts" / "source-serif-4-latin-700-normal.woff2"


def _font(size: int) -> Any:
    dejavu = "/usr/share/fonts/truetype/dejavu/"
    for path in (str(SERIF_BOLD), dejavu + "DejaVuSerif-Bold.ttf", dejavu + "DejaVuSans-Bold.ttf"):
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def _gradient(size: tuple[int, int], top: tuple[int, int, int], bottom: tuple[int, int, int]) -> Image.Image:
    width, height = size
    column = Image.new("RGB", (1, height))
    for y in range(height):
        t = y / max(1, height - 1)
        column.putpixel((0, y), tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    return column.resize(size)


def _shapes(img: Image.Image, rng: random.Random, accent: tuple[int, int, int]) -> None:
    """Soft translucent circles and bands: reads as an abstract photo, not a flat fill."""
    overlay = Image.new("RGBA", img.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    width, height = img.size
    for _ in range(rng.randint(5, 9)):
        r = rng.randint(height // 10, height // 2)
        x, y = rng.randint(0, width), rng.randint(0, height)
        alpha = rng.randint(40, 110)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(*accent, alpha))
    for _ in range(rng.randint(1, 3)):
        y = rng.randint(0, height)
        draw.rectangle((0, y, width, y + rng.randint(4, height // 12)), fill=(255, 255, 255, rng.randint(20, 60)))
    img.paste(overlay, (0, 0), overlay)


def _fit(draw: ImageDraw.ImageDraw, text: str, width: float, size: int) -> Any:
    """The largest font up to `size` in which `text` fits on one line of `width` pixels."""
    while size > 10:
        font = _font(size)
        if draw.textlength(text, font=font) <= width:
            return font
        size -= max(1, size // 16)
    return _font(10)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: Any, width: float) -> list[str]:
    """Lines that fit `width` as drawn (measured, not guessed from a character count)."""
    lines: list[str] = []
    for word in text.split():
        trial = f"{lines[-1]} {word}" if lines else word
        if lines and draw.textlength(trial, font=font) <= width:
            lines[-1] = trial
        else:
            lines.append(word)
    return lines


def _label(img: Image.Image, text: str, *, size: int, position: str = "bottom") -> None:
    draw = ImageDraw.Draw(img)
    font = _font(size)
    lines = _wrap(draw, text, font, img.width - 2 * size)[:4]
    line_height = int(size * 1.25)
    block = line_height * len(lines)
    y = img.height - block - size if position == "bottom" else (img.height - block) // 2
    for line in lines:
        draw.text((size, y), line, font=font, fill=(255, 255, 255), stroke_width=max(1, size // 18), stroke_fill=(0, 0, 0))
        y += line_height


def _save(img: Image.Image, title: str, *, collection: Any = None) -> Any:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=82, optimize=True)
    name = (slugify(title)[:60] or "image") + ".jpg"
    extra = {"collection": collection} if collection is not None else {}
    return get_image_model().objects.create(title=title[:255], file=ImageFile(buf, name=name), **extra)


def placeholder_photo(*, credit: str, caption: str, size: tuple[int, int] = (1600, 900)) -> Any:
    """Stands in for a photo the importer could not fetch; the label tells editors to replace it."""
    rng = random.Random(f"{credit}|{caption}")
    img = _gradient(size, (70, 74, 80), (30, 32, 36))
    _shapes(img, rng, (150, 150, 160))
    # No instructions burned into the picture (readers see it until it is replaced): the image's
    # title says "Placeholder" in the admin, where editors look for pictures to replace.
    _label(img, f"Photo: {credit}" if credit else "Photo", size=64, position="middle")
    return _save(img, f"Placeholder — {credit}: {caption}" if credit else f"Placeholder — {caption}")


def article_art(title: str, *, seed: str, size: tuple[int, int] = (1600, 900)) -> Any:
    rng = random.Random(seed)
    top, accent = rng.choice(PALETTES)
    bottom = tuple(max(0, c - 40) for c in accent)
    img = _gradient(size, top, bottom)  # type: ignore[arg-type]
    _shapes(img, rng, accent)
    return _save(img, title)


def portrait(name: str, *, size: int = 600) -> Any:
    """An abstract head-and-shoulders silhouette with the author's initials."""
    rng = random.Random(name)
    top, accent = rng.choice(PALETTES)
    img = _gradient((size, size), accent, top)
    draw = ImageDraw.Draw(img)
    shade = tuple(max(0, c - 60) for c in top)
    draw.ellipse((size * 0.32, size * 0.18, size * 0.68, size * 0.58), fill=shade)
    draw.pieslice((size * 0.12, size * 0.6, size * 0.88, size * 1.4), 180, 360, fill=shade)
    initials = "".join(part[0] for part in name.split()[:2]).upper()
    font = _font(size // 6)
    draw.text((size * 0.5, size * 0.38), initials, font=font, fill=(255, 255, 255), anchor="mm")
    return _save(img, f"Portrait of {name}")


def cover(*, magazine: str, headline: str, date_line: str, seed: str, size: tuple[int, int] = (900, 1200)) -> Any:
    """A magazine cover: masthead, cover line and date over generated art."""
    rng = random.Random(seed)
    top, accent = rng.choice(PALETTES)
    img = _gradient(size, top, tuple(max(0, c - 50) for c in accent))  # type: ignore[arg-type]
    _shapes(img, rng, accent)
    draw = ImageDraw.Draw(img)
    width, _ = size
    # Measured to fit inside the margins: a guessed size clipped long names ("IE MASTHEAD REVIE").
    name_font = _fit(draw, magazine.upper(), width - 120, 96)
    draw.text((width / 2, 90), magazine.upper(), font=name_font, fill=(255, 255, 255), anchor="mm")
    draw.line((60, 150, width - 60, 150), fill=(255, 255, 255), width=3)
    draw.text((width / 2, 185), date_line, font=_font(30), fill=(255, 255, 255), anchor="mm")
    # A simple emblem so covers differ at a glance.
    cx, cy, r = width / 2, size[1] * 0.5, width * 0.22
    points = [(cx + r * math.cos(a), cy + r * math.sin(a)) for a in (i * math.tau / 6 + rng.random() for i in range(6))]
    draw.polygon(points, outline=(255, 255, 255), width=6)
    _label(img, headline, size=52)
    return _save(img, f"Cover — {magazine}, {date_line}")
