"""The narration pipeline: article revision → prepared paragraphs → cached clips → one MP3.

narrate() is safe to run any number of times, at once or after a crash:
- The Narration row is unique per (page, revision, variant, voice) and a job
  works only after winning a conditional UPDATE (the claim). A second job for
  the same revision finds the claim taken (or the audio ready) and does nothing.
- Every paragraph is a Clip keyed by sha256(voice + prepared text), stored the
  moment it is synthesised. A job that dies half way leaves its finished clips
  behind; the rerun synthesises only what is missing. Editing one paragraph
  changes one key, so only that paragraph is spoken again.
- The MP3 gets a name containing the hash of its bytes and is written before
  the row points at it, so a reader never gets a half-written file and a
  published URL never changes its content.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import lameenc
from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from masthead.access.levels import AccessLevel
from masthead.core.private_files import private_storage
from masthead.narration import loudness, textprep
from masthead.narration.engines import EngineError, SpeechEngine, get_engine
from masthead.narration.models import Clip, Narration
from masthead.newsroom.models import ArticlePage

log = logging.getLogger(__name__)

MP3_KBPS = 64
# lameenc quality 2 (best) … 7 (fast); 5 is LAME's usual speed/quality balance.
MP3_QUALITY = 5
# Silence after the spoken header (headline, standfirst, byline) and between body paragraphs.
HEADER_PAUSE_SECONDS = 0.75
PARAGRAPH_PAUSE_SECONDS = 0.5
HEADER_BLOCKS = {"headline", "standfirst", "byline"}

Progress = Callable[[int, int], None]


class NarrationError(Exception):
    """Bad input to the pipeline (unknown page, unpublished revision, unknown variant)."""


def variants_for(page: ArticlePage) -> list[str]:
    """Public articles need only the full reading; gated ones also a teaser for readers without access."""
    if page.access == AccessLevel.PUBLIC:
        return [Narration.Variant.FULL]
    return [Narration.Variant.FULL, Narration.Variant.TEASER]


def voice_of(engine: SpeechEngine) -> str:
    """The engine's voice and the mastering applied to it: what a clip's sound depends on besides its text."""
    return f"{engine.voice_id}/{loudness.MASTERING}"


def clip_key(text: str, voice_id: str) -> str:
    return hashlib.sha256(f"{voice_id}\n{text}".encode()).hexdigest()


def source_hash(segments: list[textprep.Segment], voice_id: str) -> str:
    digest = hashlib.sha256(voice_id.encode())
    for segment in segments:
        digest.update(f"\n{segment.block_id}\t{segment.spoken}".encode())
    return digest.hexdigest()


def prepared_segments(page: ArticlePage, variant: str, engine: SpeechEngine) -> list[textprep.Segment]:
    return textprep.article_segments(page, variant, textprep.load_lexicon(), phonemes=engine.phonemes_ipa)


# --- Claiming -----------------------------------------------------------------


def _claim(*, page_id: int, revision_id: int, variant: str, voice: str) -> tuple[Narration, Any]:
    """Get or create the row, then try to claim it. Returns (row, claim time or None if someone else has it)."""
    narration, _ = Narration.objects.get_or_create(page_id=page_id, revision_id=revision_id, variant=variant, voice=voice)
    now = timezone.now()
    crashed_before = now - timedelta(seconds=settings.NARRATION_JOB_TIMEOUT)
    unclaimed = Q(claimed_at__isnull=True) | Q(claimed_at__lt=crashed_before)
    rows = Narration.objects.filter(pk=narration.pk)
    # Ready audio is claimed only to refresh it after a lexicon change, and stays playable meanwhile.
    claimed = rows.filter(unclaimed, status=Narration.Status.READY, stale=True).update(
        claimed_at=now, attempts=F("attempts") + 1
    ) or rows.filter(unclaimed, ~Q(status=Narration.Status.READY)).update(
        status=Narration.Status.RUNNING, claimed_at=now, attempts=F("attempts") + 1, error=""
    )
    narration.refresh_from_db()
    return narration, (now if claimed else None)


def _release(narration: Narration, claim: Any, **changes: Any) -> bool:
    """Write the job's outcome only if this job still holds the claim (a crashed-and-resumed twin may have finished)."""
    changes.setdefault("claimed_at", None)
    return bool(Narration.objects.filter(pk=narration.pk, claimed_at=claim).update(updated=timezone.now(), **changes))


# --- Clips ----------------------------------------------------------------------
#
# Each clip is kept twice: raw PCM (the source) and its own MP3 encoding. An MP3
# stream may be cut and joined at frame boundaries when each part was encoded on
# its own (the first frame of each part borrows nothing from the one before), so
# a narration is the clips' MP3s joined with encoded silences between them.
# Re-narrating after an edit then encodes one paragraph, not the whole article.
# Each part starts with the encoder's delay and ends padded to a whole frame:
# ~50-75 ms of extra silence inside pauses that are 500 ms anyway.

# LAME's decoder delay (576 + 529 samples): where speech starts inside an encoded part.
ENCODER_DELAY_SAMPLES = 1105


def encode_mp3(pcm: bytes, rate: int) -> bytes:
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(MP3_KBPS)
    encoder.set_in_sample_rate(rate)
    encoder.set_channels(1)
    encoder.set_quality(MP3_QUALITY)
    return bytes(encoder.encode(pcm) + encoder.flush())


def mp3_samples(data: bytes) -> int:
    """Decoded length of an MP3 stream in samples, counted from its frame headers."""
    bitrates = {3: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]}
    bitrates[2] = bitrates[0] = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160]
    rates = {3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000]}
    pos = samples = 0
    while pos + 4 <= len(data):
        header = int.from_bytes(data[pos : pos + 4], "big")
        if header >> 21 != 0x7FF:
            raise EngineError(f"not an MP3 frame at byte {pos}", retryable=False)
        version = (header >> 19) & 3
        bitrate = bitrates[version][(header >> 12) & 0xF] * 1000
        rate = rates[version][(header >> 10) & 3]
        per_frame = 1152 if version == 3 else 576
        pos += (144 if version == 3 else 72) * bitrate // rate + ((header >> 9) & 1)
        samples += per_frame
    return samples


_silences: dict[tuple[int, int], tuple[bytes, int]] = {}


def _silence(rate: int, seconds: float) -> tuple[bytes, int]:
    key = (rate, round(seconds * 1000))
    if key not in _silences:
        data = encode_mp3(b"\x00\x00" * int(rate * seconds), rate)
        _silences[key] = (data, mp3_samples(data))
    return _silences[key]


def _read(name: str) -> bytes | None:
    try:
        with private_storage.open(name, "rb") as fh:
            return fh.read()
    except (FileNotFoundError, OSError):
        return None


def _put(name: str, data: bytes) -> str:
    if private_storage.exists(name):  # left by a job that died before its row was written
        private_storage.delete(name)
    return private_storage.save(name, ContentFile(data))


def _clip_mp3_name(key: str) -> str:
    return f"narration/clips/{key[:2]}/{key}.mp3"


def _clip_mp3(clip: Clip, pcm: bytes | None = None) -> bytes | None:
    """The clip's own MP3, encoded from its PCM the first time it is needed; None if the PCM is gone too."""
    name = _clip_mp3_name(clip.key)
    if pcm is None:
        data = _read(name)
        if data is not None:
            return data
        pcm = _read(clip.pcm.name)
        if pcm is None:
            return None
    data = encode_mp3(pcm, clip.sample_rate)
    _put(name, data)
    return data


def clip_for(engine: SpeechEngine, text: str) -> tuple[Clip, bytes]:
    """The cached clip (and its MP3) for this text and voice, synthesising and storing it first if it is missing."""
    voice = voice_of(engine)
    key = clip_key(text, voice)
    clip = Clip.objects.filter(key=key).first()
    if clip is not None:
        data = _clip_mp3(clip)
        if data is not None:
            return clip, data
        clip.delete()  # the row outlived its files (media wiped): speak it again
    audio = engine.synthesize(text)
    if not audio.pcm:
        raise EngineError(f"the engine returned no audio for {text[:60]!r}", retryable=False)
    # Mastered per clip (loudness.py says why), so the joined narration needs no pass of its own.
    pcm = loudness.master(audio.pcm, audio.sample_rate)
    saved = _put(f"narration/clips/{key[:2]}/{key}.pcm", pcm)
    try:
        with transaction.atomic():
            clip = Clip.objects.create(
                key=key, voice=voice, text=text, pcm=saved, sample_rate=audio.sample_rate, samples=len(pcm) // 2
            )
    except IntegrityError:
        # A concurrent job spoke the same paragraph first; keep its clip.
        clip = Clip.objects.get(key=key)
        if saved != clip.pcm.name:
            private_storage.delete(saved)
    return clip, _clip_mp3(clip, pcm) or b""


# --- Rendering -------------------------------------------------------------------


def _render_mp3(segments: list[textprep.Segment], parts: list[tuple[bytes, int, int]]) -> tuple[Any, list[dict[str, Any]], int]:
    """Join the clips' MP3s (mp3 bytes, speech samples, rate) with pauses into a temp file.

    Returns (file, segment timings, decoded length in samples).
    """
    rate = parts[0][2]
    if any(r != rate for _, _, r in parts):
        raise EngineError("clips of one narration have different sample rates", retryable=False)
    out = tempfile.TemporaryFile()
    timings: list[dict[str, Any]] = []
    position = 0  # decoded samples so far
    for index, (segment, (data, speech, _)) in enumerate(zip(segments, parts, strict=True)):
        if index:
            previous = segments[index - 1].block_id
            silence, length = _silence(rate, HEADER_PAUSE_SECONDS if previous in HEADER_BLOCKS else PARAGRAPH_PAUSE_SECONDS)
            out.write(silence)
            position += length
        start = position + ENCODER_DELAY_SAMPLES
        out.write(data)
        position += mp3_samples(data)
        timings.append(
            {
                "block_id": segment.block_id,
                "start_ms": round(start * 1000 / rate),
                "end_ms": round(min(start + speech, position) * 1000 / rate),
                "text": segment.spoken,
                # What a transcript shows: the article's own words, not dotted letters or lexicon phonemes.
                "written": segment.written,
                "kind": segment.kind,
            }
        )
    out.seek(0)
    return out, timings, position


def _store_mp3(fh: Any, *, page: ArticlePage, revision_id: int, variant: str) -> tuple[str, int]:
    digest = hashlib.sha256()
    for chunk in iter(lambda: fh.read(1 << 20), b""):
        digest.update(chunk)
    size = fh.tell()
    fh.seek(0)
    name = f"narration/{page.pk}/{page.slug[:60]}-r{revision_id}-{variant}-{digest.hexdigest()[:16]}.mp3"
    # Same bytes, same name: a rerun that produced identical audio reuses the file, never overwrites it.
    if not private_storage.exists(name):
        name = private_storage.save(name, File(fh, name=name))
    return name, size


# --- The job ----------------------------------------------------------------------


def narrate(
    *,
    page_id: int,
    revision_id: int | None = None,
    variant: str = Narration.Variant.FULL,
    engine: str | SpeechEngine | None = None,
    progress: Progress | None = None,
) -> Narration:
    """Narrate one published revision of an article. Returns the row (ready, failed, or claimed by another job)."""
    if variant not in Narration.Variant.values:
        raise NarrationError(f"variant must be one of {', '.join(Narration.Variant.values)}; got {variant!r}")
    speaker = engine if isinstance(engine, SpeechEngine) else get_engine(engine)
    page = ArticlePage.objects.filter(pk=page_id).first()
    if page is None:
        raise NarrationError(f"no article with id {page_id}")
    revision_id = revision_id or page.live_revision_id
    if revision_id is None:
        raise NarrationError(f"article {page_id} ({page.title!r}) has no published revision to narrate")
    revision = page.revisions.filter(pk=revision_id).first()
    if revision is None:
        raise NarrationError(f"revision {revision_id} does not belong to article {page_id}")

    narration, claim = _claim(page_id=page.pk, revision_id=revision_id, variant=variant, voice=voice_of(speaker))
    if claim is None:
        return narration  # ready already, or another job is on it
    try:
        content: ArticlePage = revision.as_object()
        segments = prepared_segments(content, variant, speaker)
        parts: list[tuple[bytes, int, int]] = []
        for done, segment in enumerate(segments, start=1):
            clip, data = clip_for(speaker, segment.spoken)
            parts.append((data, clip.samples, clip.sample_rate))
            if progress:
                progress(done, len(segments))
        mp3, timings, samples = _render_mp3(segments, parts)
        with mp3:
            name, size = _store_mp3(mp3, page=page, revision_id=revision_id, variant=variant)
        rate = parts[0][2]
        _release(
            narration,
            claim,
            status=Narration.Status.READY,
            stale=False,
            error="",
            audio=name,
            size_bytes=size,
            duration_ms=round(samples * 1000 / rate),
            segments=timings,
            transcript="\n\n".join(s.written for s in segments),
            source_hash=source_hash(segments, voice_of(speaker)),
        )
    except EngineError as exc:
        log.warning("narration %s failed: %s", narration.pk, exc.message)
        kept_ready = narration.status == Narration.Status.READY
        _release(
            narration,
            claim,
            status=Narration.Status.READY if kept_ready else Narration.Status.FAILED,
            stale=kept_ready,
            error=f"{'retryable' if exc.retryable else 'permanent'}: {exc.message}",
        )
    except BaseException:
        # A bug or an interrupt: free the claim so a rerun may resume at once (clips done so far are kept).
        _release(narration, claim, status=narration.status if narration.status == "ready" else Narration.Status.QUEUED)
        raise
    narration.refresh_from_db()
    return narration


def queue_article(page: ArticlePage, *, revision_id: int | None = None) -> list[Narration]:
    """Create the queued rows for a newly published revision (so staff see them) and return them."""
    revision_id = revision_id or page.live_revision_id
    voice = voice_of(get_engine())
    rows = []
    for variant in variants_for(page):
        row, _ = Narration.objects.get_or_create(page_id=page.pk, revision_id=revision_id, variant=variant, voice=voice)
        rows.append(row)
    return rows


def stale_narrations() -> list[Narration]:
    """Narrations of live revisions to re-render after a lexicon change; marks the newly stale ones.

    Ready audio whose prepared text the current lexicon would change becomes stale. Audio already
    stale (a refresh that failed) and failed narrations are included again, so a later edit retries
    them instead of leaving them behind for good.
    """
    engine = get_engine()
    voice = voice_of(engine)
    changed, retry = [], []
    rows = (
        Narration.objects.filter(voice=voice)
        .filter(Q(status=Narration.Status.READY) | Q(status=Narration.Status.FAILED))
        .select_related("page")
    )
    for narration in rows.defer("transcript").iterator():
        page = narration.page
        if not page.live or page.live_revision_id != narration.revision_id:
            continue
        if narration.stale or narration.status == Narration.Status.FAILED:
            retry.append(narration)
            continue
        segments = prepared_segments(page.specific, narration.variant, engine)
        if source_hash(segments, voice) != narration.source_hash:
            changed.append(narration)
    Narration.objects.filter(pk__in=[n.pk for n in changed]).update(stale=True)
    return changed + retry
