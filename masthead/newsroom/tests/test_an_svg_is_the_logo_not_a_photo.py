"""The image library takes SVG for the magazine's logo. Where a photo goes (an article's hero, a photo in its
text, an issue's cover) it is converted to WebP for pages and JPEG for the editions, which a drawing cannot be:
choosing an SVG there is refused with the reason, instead of breaking every page that shows it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from wagtail.blocks import StructBlockValidationError
from wagtail.images import get_image_model

from masthead.core.blocks import CaptionedImageBlock

DRAWING = b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="10"><rect width="40" height="10"/></svg>'


@pytest.fixture
def logo(magazine):
    return get_image_model().objects.create(title="Our logo", file=ContentFile(DRAWING, name="logo.svg"))


def test_an_svg_is_refused_as_an_articles_hero_and_an_issues_cover(magazine, logo):
    article, issue = magazine.public_article, magazine.issue
    article.hero_image = logo
    issue.cover_image = logo
    for page, field in [(article, "hero_image"), (issue, "cover_image")]:
        with pytest.raises(ValidationError) as refused:
            page.full_clean()
        (message,) = refused.value.message_dict[field]
        assert "“Our logo” is an SVG drawing" in message and "JPEG, PNG, WebP" in message


def test_an_svg_is_refused_as_a_photo_in_an_articles_text(magazine, logo):
    with pytest.raises(StructBlockValidationError) as refused:
        CaptionedImageBlock().clean({"image": logo, "caption": "", "credit": ""})
    assert "“Our logo” is an SVG drawing" in str(refused.value.block_errors["image"])
    # A photo is still welcome.
    photo = magazine.public_article.hero_image
    assert CaptionedImageBlock().clean({"image": photo, "caption": "", "credit": ""})["image"] == photo
