"""Real MP3 files and ready narrations for the audio tests (serving, player, feeds)."""

from __future__ import annotations

import math
import struct
from functools import cache
from typing import Any

import lameenc
from django.core.files.base import ContentFile

from masthead.narration.models import Narration

SAMPLE_RATE = 16000


@cache
def tone_mp3(seconds: float = 2.0, hz: float = 440.0) -> bytes:
    """A real 64 kbps mono MP3 of a sine tone, made locally with lameenc."""
    samples = int(seconds * SAMPLE_RATE)
    pcm = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * hz * i / SAMPLE_RATE))) for i in range(samples))
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(64)
    encoder.set_in_sample_rate(SAMPLE_RATE)
    encoder.set_channels(1)
    encoder.set_quality(7)
    return bytes(encoder.encode(pcm) + encoder.flush())


def segments_for(page: Any, blocks: list[Any], *, seconds: float) -> list[dict[str, Any]]:
    """One segment per paragraph, evenly spread over the audio."""
    paragraphs = [b for b in blocks if b.block_type == "paragraph"]
    step = int(seconds * 1000 / max(1, len(paragraphs)))
    return [
        {
            "block_id": b.id,
            "start_ms": i * step,
            "end_ms": (i + 1) * step,
            "text": b.value.source.replace("<p>", "").replace("</p>", ""),
        }
        for i, b in enumerate(paragraphs)
    ]


def make_narration(
    page: Any, *, variant: str = "full", seconds: float = 2.0, status: str = "ready", voice: str = "test-tone", **extra: Any
) -> Any:
    blocks = page.full_blocks() if variant == "full" else page.preview_blocks()
    data = tone_mp3(seconds)
    narration = Narration(
        page=page,
        revision_id=page.live_revision_id,
        variant=variant,
        voice=voice,
        status=status,
        size_bytes=len(data),
        duration_ms=int(seconds * 1000),
        segments=segments_for(page, blocks, seconds=seconds),
        transcript="\n\n".join(page.plain_text(blocks).split("\n\n")),
        **extra,
    )
    narration.audio.save(f"{page.slug}-{variant}.mp3", ContentFile(data), save=False)
    narration.save()
    return narration
