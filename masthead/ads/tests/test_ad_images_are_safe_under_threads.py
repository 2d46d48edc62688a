"""An ad's image is resized once, when the switched-on ads are loaded, never while a page is rendered.

The loaded ads are shared by every thread of a process (masthead.core.cachetags.sitewide),
and Wagtail resizes an image by seeking and reading through the instance's one file
handle: two threads resizing the same shared image read each other's stream, and the
page 500s ("broken data stream", seen with 8 threads on a new ad).
"""

from __future__ import annotations

from typing import Any

from django.template import Context, Template
from django.test import RequestFactory
from wagtail.images.models import Image

from masthead.ads.models import HouseAd, Slot
from masthead.ads.templatetags import ads_tags
from masthead.core import cachetags
from masthead.testing import builders

SLOT = Template('{% load ads_tags %}{% ad_slot "sidebar" %}')


def _render() -> str:
    return SLOT.render(Context({"request": RequestFactory().get("/")}))


def test_rendering_a_slot_never_opens_the_image(db: Any, monkeypatch: Any) -> None:
    banner = builders.make_image("Subscribe banner", size=(900, 400))
    HouseAd.objects.create(name="Banner", slot=Slot.SIDEBAR, image=banner, alt_text="Subscribe", link="/subscribe/")
    cachetags.forget_sitewide()
    # As when another thread loaded them first: this thread renders from the shared objects.
    ads_tags._switched_on()

    opened: list[str] = []
    original = Image.open_file

    def counting_open_file(self: Image) -> Any:
        opened.append(self.title)
        return original(self)

    monkeypatch.setattr(Image, "open_file", counting_open_file)
    html = _render()
    assert 'class="ad__image"' in html and 'width="675"' in html
    assert opened == []
