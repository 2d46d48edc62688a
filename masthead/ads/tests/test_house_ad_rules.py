"""Staff get a clear error for an ad that cannot be shown well; image ads render with their alt text."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template, TemplateSyntaxError
from django.test import RequestFactory
from django.utils import timezone

from masthead.ads.models import HouseAd, Slot
from masthead.testing import builders


def _errors(**fields: Any) -> dict[str, list[str]]:
    ad = HouseAd(name="x", slot=Slot.SIDEBAR, link="https://example.com/", **fields)
    with pytest.raises(ValidationError) as caught:
        ad.full_clean()
    return caught.value.message_dict


def test_an_ad_needs_an_image_or_text(db: Any) -> None:
    assert _errors(text="  ")["text"] == ["An ad needs an image or some text; add one of them."]


def test_an_image_needs_alt_text(db: Any, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    assert "alt_text" in _errors(image=builders.make_image("Banner"))


def test_the_run_must_end_after_it_starts(db: Any) -> None:
    now = timezone.now()
    assert _errors(text="Hi", starts_at=now, ends_at=now - timedelta(hours=1))["ends_at"] == ["The end must be after the start."]


@pytest.mark.parametrize("link", ["javascript:alert(1)", "//evil.example/", "ftp://x.example/", "https://"])
def test_links_are_site_paths_or_web_addresses(db: Any, link: str) -> None:
    ad = HouseAd(name="x", slot=Slot.SIDEBAR, text="Hi", link=link)
    with pytest.raises(ValidationError) as caught:
        ad.full_clean()
    assert "link" in caught.value.message_dict


def test_site_paths_and_https_links_are_fine(db: Any) -> None:
    for link in ("/billing/", "https://shop.example.com/print?x=1"):
        HouseAd(name="x", slot=Slot.SIDEBAR, text="Hi", link=link).full_clean()


def test_demo_ads_fill_every_slot_once(db: Any, settings: Any, tmp_path: Any) -> None:
    from masthead.ads.demo import setup_house_ads

    settings.MEDIA_ROOT = str(tmp_path)
    assert setup_house_ads() == len(Slot.values)
    assert setup_house_ads() == 0
    for ad in HouseAd.objects.all():
        ad.full_clean()
    assert set(HouseAd.objects.values_list("slot", flat=True)) == set(Slot.values)


def _render(slot: str, user: Any) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return Template("{% load ads_tags %}{% ad_slot slot %}").render(Context({"request": request, "slot": slot}))


def test_image_ad_renders_an_img_with_alt_and_a_sponsored_link(db: Any, settings: Any, tmp_path: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    settings.MEDIA_ROOT = str(tmp_path)
    HouseAd.objects.create(
        name="Print offer",
        slot=Slot.SIDEBAR,
        image=builders.make_image("Print offer", size=(600, 300)),
        alt_text="The print edition on a kitchen table",
        link="https://shop.example.com/print",
    )
    html = _render(Slot.SIDEBAR, AnonymousUser())
    assert 'alt="The print edition on a kitchen table"' in html
    assert 'rel="sponsored noopener"' in html
    assert 'width="600" height="300"' in html


def test_a_misspelt_slot_fails_loudly(db: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(TemplateSyntaxError, match="unknown slot 'sidebr'"):
        _render("sidebr", AnonymousUser())
