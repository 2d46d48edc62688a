from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from masthead.ads.models import HouseAd, Slot


@pytest.fixture
def house_ads(db: Any) -> dict[str, HouseAd]:
    """One live text ad per slot, each with text that names its slot, plus one expired and one future ad."""
    now = timezone.now()
    ads = {
        slot: HouseAd.objects.create(name=f"Live {slot}", slot=slot, text=f"HOUSE-AD-{slot}", link="/subscribe/")
        for slot in Slot.values
    }
    HouseAd.objects.create(
        name="Expired",
        slot=Slot.ARTICLE_INLINE,
        text="EXPIRED-AD",
        link="/old/",
        starts_at=now - timedelta(days=10),
        ends_at=now - timedelta(seconds=1),
        weight=1000,
    )
    HouseAd.objects.create(
        name="Not yet", slot=Slot.ARTICLE_INLINE, text="FUTURE-AD", link="/soon/", starts_at=now + timedelta(days=1), weight=1000
    )
    HouseAd.objects.create(name="Switched off", slot=Slot.ARTICLE_INLINE, text="INACTIVE-AD", link="/off/", active=False)
    return ads
