"""The publisher's brand comes from Magazine settings, with no source edit and no collectstatic: a logo in
the header, the accent colours in a stylesheet, a favicon and a podcast cover drawn from them, each under a
URL that changes when the brand does and may be cached for a year."""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from masthead.core import branding
from masthead.core.models import MagazineSettings
from masthead.testing import builders


def _settings(magazine):
    return MagazineSettings.for_site(magazine.home.get_site())


def _brand_urls(html: str) -> list[str]:
    return re.findall(r'"(/brand/[0-9a-f]{16}/[a-z.-]+)"', html)


def test_the_stock_brand_adds_no_requests(client, magazine):
    html = client.get("/").content.decode()
    assert '<a class="site-header__name" href="/">The Masthead Review</a>' in html
    assert 'rel="icon" href="/static/img/favicon' in html
    assert "colours.css" not in html


def test_accent_colours_set_in_the_admin_reach_every_page(client, magazine):
    found = _settings(magazine)
    found.accent_colour, found.accent_dark_colour = "#1d4e89", "#163c69"
    found.save()
    html = client.get(magazine.public_article.url).content.decode()
    (css_url,) = [url for url in _brand_urls(html) if url.endswith("colours.css")]
    css = client.get(css_url)
    assert css["Content-Type"].startswith("text/css") and "max-age=31536000" in css["Cache-Control"]
    assert css.content.decode() == ":root { --accent: #1d4e89; --accent-ink: #163c69; }\n"

    # A change gives a new URL; the old one no longer answers (it would otherwise be cached as the new brand).
    found.accent_colour = "#0b5d3b"
    found.save()
    assert client.get(css_url).status_code == 404
    assert css_url not in client.get(magazine.public_article.url).content.decode()


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("accent_colour", "#f5d90a", "contrast"),  # white button text would be unreadable
        ("accent_dark_colour", "#c9a0a0", "contrast"),
        ("accent_colour", "red", "six hexadecimal digits"),
    ],
)
def test_unreadable_or_malformed_colours_are_refused_with_the_reason(magazine, field, value, words):
    found = _settings(magazine)
    setattr(found, field, value)
    with pytest.raises(ValidationError) as refused:
        found.full_clean()
    assert words in str(refused.value.message_dict[field])


def test_a_logo_replaces_the_name_and_draws_the_favicon_and_the_podcast_cover(client, magazine):
    found = _settings(magazine)
    found.logo = builders.make_image("Logo", size=(600, 150), color=(20, 60, 120))
    found.save()
    html = client.get("/").content.decode()
    logo = r'<img class="site-header__logo" src="/media/images/[^"]+\.webp" width="\d+" height="\d+" alt="The Masthead Review">'
    assert re.search(logo, html)
    urls = _brand_urls(html)
    favicon = next(url for url in urls if url.endswith("favicon.png"))
    touch = next(url for url in urls if url.endswith("touch-icon.png"))
    for url, size in [(favicon, 64), (touch, 180)]:
        response = client.get(url)
        assert response["Content-Type"] == "image/png" and "immutable" in response["Cache-Control"]
        assert Image.open(io.BytesIO(response.content)).size == (size, size)

    cover_url = branding.podcast_cover_url()
    assert cover_url.startswith("http") and "/brand/" in cover_url
    cover = Image.open(io.BytesIO(client.get(urlsplit(cover_url).path).content))
    assert cover.size == (branding.PODCAST_COVER_SIZE, branding.PODCAST_COVER_SIZE)
    # The logo's blue is on the cover.
    # Within one step per channel: the logo went through WebP on its way into the cover.
    assert any(
        all(abs(a - b) <= 1 for a, b in zip(colour, (20, 60, 120), strict=True))
        for _, colour in cover.convert("RGB").getcolors(1 << 20)
    )
    # In the place and proportion it had on the 1400 px cover: 600 of 1400 px wide, so 1286 of 3000.
    row = [cover.convert("RGB").getpixel((x, 500)) for x in range(cover.width)]
    blue = [x for x, colour in enumerate(row) if all(abs(a - b) <= 1 for a, b in zip(colour, (20, 60, 120), strict=True))]
    assert 1280 <= blue[-1] - blue[0] + 1 <= 1290


def test_without_a_logo_the_cover_and_icon_are_lettered_in_the_accent(client, magazine):
    found = _settings(magazine)
    found.accent_colour = "#1d4e89"
    found.save()
    brand = branding.brand()
    icon = Image.open(io.BytesIO(client.get(brand.url("favicon.png")).content)).convert("RGB")
    assert icon.getpixel((1, 1)) == (0x1D, 0x4E, 0x89)
    assert (255, 255, 255) in {colour for _, colour in icon.getcolors(1 << 16)}
    cover = Image.open(io.BytesIO(client.get(brand.url("podcast-cover.png")).content))
    assert cover.size == (3000, 3000)  # Apple's recommended size (1400 to 3000 allowed)


def test_an_unknown_brand_file_is_404(client, magazine):
    brand = branding.brand()
    assert client.get(f"/brand/{brand.digest}/secret.txt").status_code == 404
    assert client.get("/brand/0000000000000000/favicon.png").status_code == 404
