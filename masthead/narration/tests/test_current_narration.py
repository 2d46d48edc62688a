"""Which narration the player gets: the live revision's, else the latest ready one."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.db import IntegrityError

from masthead.narration.models import Narration
from masthead.narration.selectors import current_narration


def _narration(page, revision_id: int, *, status: str = "ready", variant: str = "full", voice: str = "v1") -> Narration:
    row = Narration.objects.create(page=page, revision_id=revision_id, variant=variant, voice=voice, status=status)
    if status == "ready":
        row.audio.save(f"n-{revision_id}-{variant}.mp3", ContentFile(b"ID3"), save=True)
    return row


def test_live_revision_wins(magazine):
    page = magazine.public_article
    _narration(page, page.live_revision_id + 100)
    live = _narration(page, page.live_revision_id)
    assert current_narration(page, "full") == live


def test_falls_back_to_latest_ready_while_live_revision_renders(magazine):
    page = magazine.public_article
    old = _narration(page, page.live_revision_id - 1)
    _narration(page, page.live_revision_id, status="running")
    assert current_narration(page, "full") == old


def test_no_ready_audio_means_none_and_variants_stay_apart(magazine):
    page = magazine.subscriber_article
    _narration(page, page.live_revision_id, status="failed")
    teaser = _narration(page, page.live_revision_id, variant="teaser")
    assert current_narration(page, "full") is None
    assert current_narration(page, "teaser") == teaser


def test_one_row_per_revision_variant_and_voice(magazine):
    page = magazine.public_article
    _narration(page, 1, status="queued")
    with pytest.raises(IntegrityError):
        _narration(page, 1, status="queued")
