"""Ads show for readers who are not ad-free, never for the ad-free, on article, home and section pages."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from masthead.ads.models import HouseAd, Slot

# Which slot each page type shows.
PAGE_SLOTS = {
    "article": [Slot.ARTICLE_INLINE],
    "home": [Slot.SIDEBAR, Slot.HOME_BANNER],
    "section": [Slot.SECTION_BANNER],
}


def _url(magazine: Any, page: str) -> str:
    return {
        "article": magazine.public_article.url,
        "home": magazine.home.url,
        "section": magazine.sections["Politics"].url,
    }[page]


def _get(client: Client, magazine: Any, page: str) -> str:
    response = client.get(_url(magazine, page))
    assert response.status_code == 200
    return response.content.decode()


def test_anonymous_reader_sees_each_pages_ads_labelled(client: Client, magazine: Any, house_ads: Any) -> None:
    for page, slots in PAGE_SLOTS.items():
        html = _get(client, magazine, page)
        for slot in slots:
            assert f"HOUSE-AD-{slot}" in html, page
            assert f'aria-labelledby="ad-label-{slot}"' in html
        assert ">Advertisement<" in html


@pytest.fixture
def comp(db: Any) -> Any:
    """A reader on a complimentary grant from staff (no payment)."""
    from masthead.access import services

    user = get_user_model().objects.create_user("comp", "comp@example.com", "a-long-password-1")
    services.grant_comp(user=user, until=timezone.localdate() + timedelta(days=30), note="Press pass")
    return user


@pytest.mark.parametrize("persona", ["member", "lapsed", "refunded"])
def test_readers_without_access_see_ads(client_for: Any, magazine: Any, house_ads: Any, persona: str) -> None:
    client = client_for(persona)
    for page, slots in PAGE_SLOTS.items():
        html = _get(client, magazine, page)
        for slot in slots:
            assert f"HOUSE-AD-{slot}" in html, page


@pytest.mark.parametrize("persona", ["subscriber", "comp", "staff"])
def test_subscribers_comps_and_staff_never_see_ads(client_for: Any, magazine: Any, house_ads: Any, persona: str) -> None:
    client = client_for(persona)
    for page in PAGE_SLOTS:
        html = _get(client, magazine, page)
        assert "HOUSE-AD-" not in html, page
        assert "Advertisement" not in html


def test_subscriber_reading_a_subscriber_article_sees_no_ad_inside_the_full_text(
    client_for: Any, magazine: Any, house_ads: Any
) -> None:
    html = client_for("subscriber").get(magazine.subscriber_article.url).content.decode()
    assert "SECRET-AFTER-THE-CUT" in html
    assert "HOUSE-AD-" not in html


def test_a_short_teaser_ends_on_its_text_not_on_an_ad(client: Client, magazine: Any, house_ads: Any) -> None:
    # Issue #12: the paywall's fade landed on the house ad. A teaser of three
    # blocks or fewer has no inline ad, so the fade falls on the article's text.
    html = client.get(magazine.subscriber_article.url).content.decode()
    assert "SECRET-AFTER-THE-CUT" not in html
    assert f"HOUSE-AD-{Slot.ARTICLE_INLINE}" not in html


def test_the_slot_asks_the_shared_ad_free_answer_not_a_flag_of_its_own(
    client: Client, magazine: Any, house_ads: Any, member: Any, monkeypatch: Any
) -> None:
    # Whatever access.entitlements answers decides: here an answer that says "ad-free" for this member.
    from masthead.access import entitlements

    monkeypatch.setattr(entitlements, "is_ad_free", lambda user: getattr(user, "username", "") == "member")
    client.force_login(member)
    assert "HOUSE-AD-" not in _get(client, magazine, "article")


def test_expired_future_and_switched_off_ads_are_never_shown(client: Client, magazine: Any, house_ads: Any) -> None:
    house_ads[Slot.ARTICLE_INLINE].delete()
    html = _get(client, magazine, "article")
    for hidden in ("EXPIRED-AD", "FUTURE-AD", "INACTIVE-AD", "Advertisement"):
        assert hidden not in html


def test_weighted_pick_never_chooses_an_ad_outside_its_run(house_ads: Any) -> None:
    # The dead ads carry weight 1000 against the live ad's 1: any leak would show at once.
    rng = random.Random(7)
    picks = {HouseAd.objects.pick(Slot.ARTICLE_INLINE, rng=rng).text for _ in range(50)}
    assert picks == {f"HOUSE-AD-{Slot.ARTICLE_INLINE}"}


def test_weight_shares_the_slot(house_ads: Any) -> None:
    HouseAd.objects.create(name="Heavy", slot=Slot.SIDEBAR, text="HEAVY", link="/x/", weight=9)
    rng = random.Random(11)
    picks = [HouseAd.objects.pick(Slot.SIDEBAR, rng=rng).text for _ in range(400)]
    assert 0.8 < picks.count("HEAVY") / len(picks) < 0.97


def test_no_live_ad_renders_no_empty_box(client: Client, magazine: Any) -> None:
    html = _get(client, magazine, "article")
    assert 'class="ad ' not in html
