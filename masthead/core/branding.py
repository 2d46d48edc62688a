"""The publisher's brand, set in the admin (Magazine settings): logo, accent colours, and what is drawn from them.

The header shows the logo (or the name), a small stylesheet sets the accent
colours, and a favicon and a podcast cover are drawn from the logo and the
colours. The logo may be an SVG (sanitised on upload, core.svg): the header
shows the drawing itself, and resvg draws it at each file's own size. Nothing is written into the source tree and nothing needs
collectstatic: the drawn files are made on first request, kept in the cache,
and served from URLs that carry a digest of
everything they were drawn from, so they may be cached for a year and a
change in the admin gives them new URLs.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import resvg_py
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw, ImageFont

from masthead.core import cachetags, svg

logger = logging.getLogger(__name__)

DEFAULT_ACCENT = "#9d1c1c"
DEFAULT_ACCENT_DARK = "#7a1212"
PAPER = "#fffdf8"
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
FONTS = Path(__file__).resolve().parent.parent / "static" / "fonts"
# Apple Podcasts asks for a square JPEG or PNG of 1400 to 3000 pixels, and recommends 3000.
PODCAST_COVER_SIZE = 3000
# The cover was once drawn at 1400 px: a raster logo grows with the cover from there, so it keeps the
# place and proportion it had (a vector logo is drawn at whatever size its box has).
RASTER_COVER_BASIS = 1400
# The header's logo, in pixels: twice its height on the page, for sharp edges on high-density screens.
LOGO_HEIGHT = 160
# What a drawn file is, by the name the URL gives it.
KINDS = {"favicon.png": 64, "touch-icon.png": 180, "podcast-cover.png": PODCAST_COVER_SIZE}


# --- Colours -------------------------------------------------------------------


def _rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _luminance(colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours (1 to 21)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def validate_colour(value: str) -> None:
    if not HEX_COLOUR.match(value or ""):
        raise ValidationError("Give the colour as # and six hexadecimal digits, e.g. #9d1c1c.")


def validate_accent(value: str) -> None:
    """Buttons carry white text on the accent: it must stay readable (WCAG AA, 4.5:1)."""
    validate_colour(value)
    ratio = contrast(value, "#ffffff")
    if ratio < 4.5:
        raise ValidationError(
            f"White text on {value} has a contrast of {ratio:.1f}:1; buttons need at least 4.5:1. Choose a darker colour."
        )


def validate_accent_dark(value: str) -> None:
    """Kickers and links are set in the dark accent on the page's paper colour."""
    validate_colour(value)
    ratio = contrast(value, PAPER)
    if ratio < 4.5:
        raise ValidationError(
            f"{value} on the page has a contrast of {ratio:.1f}:1; text needs at least 4.5:1. Choose a darker colour."
        )


# --- What the brand is -----------------------------------------------------------


@dataclass(frozen=True)
class Brand:
    name: str
    accent: str
    accent_dark: str
    logo_url: str  # "" without a logo
    logo_width: int
    logo_height: int
    logo_name: str  # the stored file's name, to draw from
    digest: str

    @property
    def custom_colours(self) -> bool:
        return (self.accent.lower(), self.accent_dark.lower()) != (DEFAULT_ACCENT, DEFAULT_ACCENT_DARK)

    def url(self, kind: str) -> str:
        return f"/brand/{self.digest}/{kind}"


def _compute(site: Any) -> Brand:
    from masthead.core.models import MagazineSettings

    magazine = MagazineSettings.for_site(site) if site is not None else MagazineSettings()
    logo = magazine.logo if magazine.logo_id else None
    logo_url, width, height, name = "", 0, 0, ""
    if logo is not None:
        name = logo.file.name
        if logo.is_svg():
            # The drawing itself (sanitised on upload, core.svg): the browser draws it sharp at any size.
            # Its size is given as the header's, for the proportions (Wagtail never enlarges a rendition).
            logo_url, height = logo.file.url, LOGO_HEIGHT
            width = max(1, round(logo.width * LOGO_HEIGHT / max(1, logo.height)))
        else:
            rendition = logo.get_rendition(f"height-{LOGO_HEIGHT}|format-webp")
            logo_url, width, height = rendition.url, rendition.width, rendition.height
    accent = magazine.accent_colour or DEFAULT_ACCENT
    accent_dark = magazine.accent_dark_colour or DEFAULT_ACCENT_DARK
    source = "|".join([magazine.name, accent, accent_dark, name, getattr(logo, "file_hash", "") or "", "v2"])
    digest = hashlib.sha256(source.encode()).hexdigest()[:16]
    return Brand(magazine.name, accent, accent_dark, logo_url, width, height, name, digest)


def brand(request: Any = None) -> Brand:
    """The brand of the request's site (the default site's without one); kept per process until settings change."""
    from wagtail.models import Site

    site = Site.find_for_request(request) if request is not None else None
    if site is None:
        site = Site.objects.filter(is_default_site=True).first()
    key = f"brand:{getattr(site, 'pk', 'none')}"
    return cachetags.sitewide(key, lambda: _compute(site))


def podcast_cover_url(request: Any = None) -> str:
    """The podcast's cover art, absolute (feeds are read elsewhere)."""
    return settings.SITE_URL + brand(request).url("podcast-cover.png")


def stylesheet(found: Brand) -> str:
    return f":root {{ --accent: {found.accent}; --accent-ink: {found.accent_dark}; }}\n"


# --- Drawing ---------------------------------------------------------------------


def _font(size: int) -> Any:
    return ImageFont.truetype(str(FONTS / "source-serif-4-latin-700-normal.woff2"), size)


def _logo_image(found: Brand, size: int, *, raster_scale: float = 1.0) -> Image.Image | None:
    """The logo fitted into a size x size box; a raster logo grows by at most raster_scale (else it only shrinks)."""
    if not found.logo_name:
        return None
    with default_storage.open(found.logo_name, "rb") as handle:
        data = handle.read()
    if svg.is_svg_name(found.logo_name):
        return _drawn_svg(found, data, size)
    logo = Image.open(io.BytesIO(data)).convert("RGBA")
    factor = min(size / max(logo.width, logo.height), raster_scale)
    if factor != 1:
        logo = logo.resize((max(1, round(logo.width * factor)), max(1, round(logo.height * factor))), Image.Resampling.LANCZOS)
    return logo


def _drawn_svg(found: Brand, data: bytes, size: int) -> Image.Image | None:
    """An SVG logo drawn (resvg) at the size it is shown, so it is as sharp on a 3000 px cover as on a favicon."""
    # Along its longer side, from the proportions Wagtail read (the header's rendition has them).
    wide = found.logo_width >= found.logo_height
    try:
        png = resvg_py.svg_to_bytes(svg_string=data.decode("utf-8"), width=size if wide else None, height=None if wide else size)
    except (ValueError, UnicodeError):
        # What resvg cannot draw is refused on upload (core.images); should a stored logo fail all the same
        # (another resvg), the files are lettered as without a logo rather than failing on every page.
        logger.warning("the SVG logo %s cannot be drawn; the brand's files are lettered instead", found.logo_name, exc_info=True)
        return None
    logo = Image.open(io.BytesIO(bytes(png))).convert("RGBA")
    logo.thumbnail((size, size), Image.Resampling.LANCZOS)  # should the proportions read differ from resvg's
    return logo


def _initials(name: str) -> str:
    words = [w for w in re.split(r"\s+", name) if w and w.lower() not in {"the", "a", "an", "of"}]
    return (words[0][0] if words else name[:1] or "M").upper()


def _fit(draw: ImageDraw.ImageDraw, text: str, width: int, start: int) -> Any:
    size = start
    while size > 8:
        font = _font(size)
        if draw.textlength(text, font=font) <= width:
            return font
        size -= max(1, size // 12)
    return _font(8)


def draw(found: Brand, kind: str) -> bytes:
    """One drawn file (favicon, touch icon, podcast cover) as PNG bytes."""
    size = KINDS[kind]
    accent = _rgb(found.accent)
    img = Image.new("RGBA", (size, size), (*accent, 255))
    canvas = ImageDraw.Draw(img)
    if kind == "podcast-cover.png":
        logo = _logo_image(found, int(size * 0.6), raster_scale=size / RASTER_COVER_BASIS)
        if logo is not None:
            plate = Image.new("RGBA", (size, size), (*_rgb(PAPER), 255))
            plate.paste(logo, ((size - logo.width) // 2, int(size * 0.14)), logo)
            img = plate
            canvas = ImageDraw.Draw(img)
            canvas.rectangle((0, int(size * 0.8), size, size), fill=(*accent, 255))
            font = _fit(canvas, found.name, int(size * 0.86), size // 14)
            canvas.text((size / 2, size * 0.9), found.name, font=font, fill="white", anchor="mm")
        else:
            words = found.name.split()
            lines = [" ".join(words[: (len(words) + 1) // 2]), " ".join(words[(len(words) + 1) // 2 :])]
            lines = [line for line in lines if line]
            fonts = [_fit(canvas, line, int(size * 0.82), size // 6) for line in lines]
            font = min(fonts, key=lambda f: f.size)
            line_height = font.size * 1.15
            top = size * 0.45 - line_height * (len(lines) - 1) / 2
            for i, line in enumerate(lines):
                canvas.text((size / 2, top + i * line_height), line, font=font, fill="white", anchor="mm")
            canvas.line((size * 0.3, size * 0.7, size * 0.7, size * 0.7), fill="white", width=max(2, size // 200))
            canvas.text((size / 2, size * 0.78), "Audio edition", font=_font(size // 18), fill="white", anchor="mm")
    else:
        logo = _logo_image(found, int(size * 0.9))
        if logo is not None:
            img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
            img.paste(logo, ((size - logo.width) // 2, (size - logo.height) // 2), logo)
        else:
            canvas.text((size / 2, size * 0.54), _initials(found.name), font=_font(int(size * 0.72)), fill="white", anchor="mm")
    out = io.BytesIO()
    img.convert("RGB" if kind == "podcast-cover.png" else "RGBA").save(out, "PNG", optimize=True)
    return out.getvalue()


def drawn_file(found: Brand, kind: str) -> bytes:
    """The drawn file, made once per brand digest and kept in the cache (Redis when shared, else per process).

    Not in the media storage: it gives every save a new name (core.storage), and the
    digest in the URL already makes the bytes immutable.
    """
    key = f"brand:{found.digest}:{kind}"
    data = cache.get(key)
    if data is None:
        data = draw(found, kind)
        cache.set(key, data, timeout=None)
    return bytes(data)
