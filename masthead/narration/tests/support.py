"""Test helpers: a counting fake engine, a 20-paragraph article, an MP3 frame reader."""

from __future__ import annotations

import json
import math
import struct
from typing import Any

from masthead.narration.engines.base import Audio, EngineError, SpeechEngine
from masthead.testing import builders

RATE = 22050


class CountingEngine(SpeechEngine):
    """Speaks a tone whose length grows with the text; counts calls; can fail on the Nth call."""

    phonemes_ipa = False

    def __init__(self, *, voice_id: str = "counting-1", fail_on_call: int | None = None) -> None:
        self.voice_id = voice_id
        self.calls: list[str] = []
        self.fail_on_call = fail_on_call

    def synthesize(self, text: str) -> Audio:
        self.calls.append(text)
        if self.fail_on_call is not None and len(self.calls) == self.fail_on_call:
            raise EngineError("simulated crash", retryable=True)
        samples = 2205 + 220 * len(text)  # 0.1 s + 10 ms per character
        tone = (int(8000 * math.sin(2 * math.pi * 220 * i / RATE)) for i in range(samples))
        return Audio(pcm=struct.pack(f"<{samples}h", *tone), sample_rate=RATE)


def make_long_article(magazine: Any, *, paragraphs: int = 20, access: str = "public") -> Any:
    texts = [f"Paragraph {i} of the long report, with {i * 7} people and the FSB." for i in range(1, paragraphs + 1)]
    return builders.make_article(
        magazine.sections["Politics"],
        "A Long Report",
        authors=[magazine.author],
        paragraphs=texts,
        access=access,
        preview_after=2 if access != "public" else None,
    )


def edit_paragraph(page: Any, index: int, text: str) -> Any:
    """Change the text of one paragraph (keeping every block id) and publish, as an editor would."""
    page = page.specific_class.objects.get(pk=page.pk)
    raw = [dict(block) for block in page.body.raw_data]
    paragraphs = [block for block in raw if block["type"] == "paragraph"]
    paragraphs[index]["value"] = f"<p>{text}</p>"
    page.body = json.dumps(raw)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


# MPEG audio: bitrate table (kbps) for MPEG-2/2.5 layer III, sample rates per version.
_BITRATES_V2_L3 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160]
_RATES = {3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000]}


def mp3_frames(data: bytes) -> list[dict[str, int]]:
    """Walk MP3 frames from the start; raises AssertionError at the first byte that is not a frame header."""
    frames, pos = [], 0
    if data[:3] == b"ID3":
        size = data[6] << 21 | data[7] << 14 | data[8] << 7 | data[9]
        pos = 10 + size
    while pos + 4 <= len(data):
        header = int.from_bytes(data[pos : pos + 4], "big")
        assert header >> 21 == 0x7FF, f"no frame sync at byte {pos}"
        version, layer = (header >> 19) & 3, (header >> 17) & 3
        assert layer == 1, "not layer III"
        assert version in (0, 2), "expected MPEG-2 (22.05 kHz input)"
        bitrate = _BITRATES_V2_L3[(header >> 12) & 0xF] * 1000
        rate = _RATES[version][(header >> 10) & 3]
        padding = (header >> 9) & 1
        mono = ((header >> 6) & 3) == 3
        length = 72 * bitrate // rate + padding
        frames.append({"bitrate": bitrate, "rate": rate, "mono": int(mono), "samples": 576, "length": length})
        pos += length
    assert pos == len(data), "trailing bytes after the last frame"
    return frames
