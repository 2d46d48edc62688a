"""A publisher uploads an SVG logo in the admin (Settings → Magazine settings → Brand): the header shows the
drawing itself (an SVG in the <img>, sharp at any size), and the favicon, the home-screen icon and the
podcast cover (3000 px, Apple's recommended size) are drawn from it."""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

from django.core.files.base import ContentFile
from PIL import Image
from wagtail.images import get_image_model

from masthead.core import branding
from masthead.core.models import MagazineSettings
from masthead.core.tests.logos import BLUE, LOGO, chief, choose_logo, upload  # noqa: F401  (chief: a fixture)


def test_an_svg_logo_uploaded_in_the_admin_is_shown_as_drawn_in_the_header(chief, magazine):  # noqa: F811
    response = upload(chief, "masthead-logo.svg", LOGO)
    assert response.status_code == 302, response.content.decode()[:2000]
    image = get_image_model().objects.get(title="Logo")
    assert image.is_svg() and (image.width, image.height) == (400, 100)
    choose_logo(chief, magazine, image)

    html = chief.get("/").content.decode()
    # 160 px tall (twice the header's height) and as wide as the drawing's proportions make it.
    header_logo = r'<img class="site-header__logo" src="(/media/original_images/[^"]+\.svg)" width="640" height="160" alt="{}">'
    (src,) = re.findall(header_logo.format("The Masthead Review"), html)
    served = chief.get(src)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/svg+xml"
    svg = b"".join(served.streaming_content)
    # The drawing as uploaded (not a raster), with a viewBox so it scales instead of being cropped.
    assert b"<rect" in svg and b'viewBox="0 0 400 100"' in svg
    # Opened by its URL it is a document of our origin: no script may run, nothing may load.
    assert served["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    assert served["X-Content-Type-Options"] == "nosniff"


def test_the_favicon_touch_icon_and_podcast_cover_are_drawn_from_an_svg_logo(chief, magazine):  # noqa: F811
    upload(chief, "masthead-logo.svg", LOGO)
    choose_logo(chief, magazine, get_image_model().objects.get(title="Logo"))
    html = chief.get("/").content.decode()
    urls = re.findall(r'"(/brand/[0-9a-f]{16}/[a-z.-]+)"', html)

    for kind, size in [("favicon.png", 64), ("touch-icon.png", 180)]:
        (url,) = [url for url in urls if url.endswith(kind)]
        response = chief.get(url)
        assert response["Content-Type"] == "image/png"
        icon = Image.open(io.BytesIO(response.content))
        assert icon.format == "PNG" and icon.size == (size, size)
        # The logo, drawn: its blue fills the middle, and the icon is transparent above and below the wide logo.
        assert icon.convert("RGB").getpixel((size // 2, size // 2 - 4)) == BLUE
        assert icon.convert("RGBA").getchannel("A").getpixel((size // 2, 1)) == 0

    cover = Image.open(io.BytesIO(chief.get(urlsplit(branding.podcast_cover_url()).path).content))
    assert cover.format == "PNG" and cover.size == (3000, 3000)
    # Drawn from the vector at the size it is shown: 60% of the cover wide, its blue exact, its edges sharp
    # (a raster logo enlarged this far would smear its white rule over several pixels of blends).
    rgb = cover.convert("RGB")
    row = [rgb.getpixel((x, 600)) for x in range(3000)]
    blue = [x for x, colour in enumerate(row) if colour == BLUE]
    assert blue and 1790 <= blue[-1] - blue[0] + 1 <= 1800
    column = [rgb.getpixel((1500, y)) for y in range(420, 870)]
    blends = [colour for colour in column if colour not in (BLUE, (255, 255, 255))]
    assert len(blends) <= 4, blends


def test_an_svg_logo_that_cannot_be_drawn_gives_lettered_icons_not_an_error(client, magazine, monkeypatch):
    # What resvg cannot draw is refused on upload; one it fails on later (another version) must not break
    # every page's favicon: the files are lettered as without a logo.
    found = MagazineSettings.for_site(magazine.home.get_site())
    found.logo = get_image_model().objects.create(title="Logo", file=ContentFile(LOGO, name="logo.svg"))
    found.save()

    def cannot_draw(**_):
        raise ValueError("SVG has an invalid size")

    monkeypatch.setattr(branding.resvg_py, "svg_to_bytes", cannot_draw)
    brand = branding.brand()
    for kind, size in [("favicon.png", 64), ("podcast-cover.png", 3000)]:
        response = client.get(brand.url(kind))
        assert response.status_code == 200
        assert Image.open(io.BytesIO(response.content)).size == (size, size)
