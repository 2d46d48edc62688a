"""The narration is a valid 64 kbps mono MP3 whose duration and paragraph times match what was spoken."""

from __future__ import annotations

from masthead.core.private_files import private_storage
from masthead.narration import services
from masthead.narration.models import LexiconEntry
from masthead.narration.tests.support import RATE, CountingEngine, make_long_article, mp3_frames


def test_mp3_frames_and_duration(magazine):
    page = make_long_article(magazine, paragraphs=4)
    engine = CountingEngine()
    narration = services.narrate(page_id=page.pk, engine=engine)

    with narration.audio.open("rb") as fh:
        data = fh.read()
    frames = mp3_frames(data)
    assert {f["bitrate"] for f in frames} == {64000}
    assert {f["rate"] for f in frames} == {RATE} and all(f["mono"] for f in frames)
    assert narration.size_bytes == len(data) == narration.audio.size

    spoken_ms = sum(2205 + 220 * len(text) for text in engine.calls) * 1000 / RATE
    pauses_ms = 750 * 2 + 500 * 3  # after headline and byline, then between 4 paragraphs
    frames_ms = len(frames) * 576 * 1000 / RATE
    assert abs(narration.duration_ms - frames_ms) <= 1  # the stored duration is what a player will show
    # Each of the 6 clips and 5 pauses is encoded on its own: encoder delay and frame padding add < 80 ms per part.
    assert spoken_ms + pauses_ms <= narration.duration_ms < spoken_ms + pauses_ms + 11 * 80


def test_paragraph_times_point_at_speech(magazine):
    """Decode-free check: each segment lasts as long as its clip, and segments never overlap."""
    page = make_long_article(magazine, paragraphs=3)
    engine = CountingEngine()
    narration = services.narrate(page_id=page.pk, engine=engine)
    for segment, text in zip(narration.segments, engine.calls, strict=True):
        clip_ms = (2205 + 220 * len(text)) * 1000 / RATE
        assert abs((segment["end_ms"] - segment["start_ms"]) - clip_ms) <= 1
    for before, after in zip(narration.segments, narration.segments[1:], strict=False):
        assert after["start_ms"] - before["end_ms"] >= 500


def test_segments_follow_the_article(magazine):
    page = make_long_article(magazine, paragraphs=3)
    narration = services.narrate(page_id=page.pk, engine=CountingEngine())
    body_ids = [str(block.id) for block in page.body if block.block_type == "paragraph"]
    assert [s["block_id"] for s in narration.segments] == ["headline", "byline", *body_ids]
    starts = [s["start_ms"] for s in narration.segments]
    assert starts[0] < 100 and starts == sorted(starts)  # speech starts after the encoder delay (~50 ms)
    assert all(s["end_ms"] > s["start_ms"] for s in narration.segments)
    assert narration.segments[-1]["end_ms"] <= narration.duration_ms
    # The transcript is the article's words as written; the segments also keep what the engine was given.
    assert narration.transcript.startswith("A Long Report\n\nBy Angeline Tan.")
    assert "the F.S.B" in narration.segments[2]["text"] and "the FSB" in narration.segments[2]["written"]


def test_a_new_rendering_gets_a_new_file_and_keeps_the_old(magazine):
    page = make_long_article(magazine, paragraphs=2)
    engine = CountingEngine()
    first = services.narrate(page_id=page.pk, engine=engine)
    old_name = first.audio.name
    prepared = services.prepared_segments(page, "full", engine)
    assert first.source_hash == services.source_hash(prepared, services.voice_of(engine))

    LexiconEntry.objects.create(term="FSB", kind="respell", replacement="Federal Security Service")
    # Same revision, new pronunciation: the row is refreshed in place with a new versioned file.
    from masthead.narration.models import Narration

    Narration.objects.filter(pk=first.pk).update(stale=True)
    again = services.narrate(page_id=page.pk, engine=engine)
    assert again.pk == first.pk and again.status == "ready" and not again.stale
    assert again.audio.name != old_name
    assert private_storage.exists(old_name) and private_storage.exists(again.audio.name)
    assert any("Federal Security Service" in segment["text"] for segment in again.segments)
