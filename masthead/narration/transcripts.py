"""Transcripts of a narration: WebVTT from the per-paragraph segments, plain text otherwise."""

from __future__ import annotations

import os
import re
from typing import Any

from django.urls import reverse


def _timestamp(ms: int) -> str:
    ms = max(0, int(ms))
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def _cue_text(text: str) -> str:
    # WebVTT cue text may not contain "-->" or a blank line, and & < are markup.
    text = " ".join(str(text).split())
    return text.replace("&", "&amp;").replace("<", "&lt;").replace("-->", "->")


_PHONEMES = re.compile(r"\s*\[\[.*?\]\]")


def written(segment: dict[str, Any]) -> str:
    """The words a reader reads for one segment (narrations made before segments kept them: the spoken text, minus phonemes)."""
    if segment.get("written"):
        return str(segment["written"])
    return _PHONEMES.sub("", str(segment.get("text", ""))).strip()


def webvtt(narration: Any) -> str:
    lines = ["WEBVTT", ""]
    for number, segment in enumerate(narration.segments or [], start=1):
        text = _cue_text(written(segment))
        if not text:
            continue
        start, end = int(segment.get("start_ms", 0)), int(segment.get("end_ms", 0))
        lines += [str(number), f"{_timestamp(start)} --> {_timestamp(max(end, start + 1))}", text, ""]
    return "\n".join(lines)


def plain_text(narration: Any) -> str:
    segments = narration.segments or []
    if narration.transcript and not any(s.get("written") for s in segments):
        return _PHONEMES.sub("", str(narration.transcript))  # made before transcripts kept the written words
    return "\n\n".join(written(s) for s in segments if s.get("text"))


def transcript_format(narration: Any) -> tuple[str, str]:
    """(file extension, MIME type) of the best transcript this narration can give."""
    if any(s.get("text") for s in narration.segments or []):
        return "vtt", "text/vtt"
    return "txt", "text/plain"


def audio_filename(narration: Any) -> str:
    return os.path.basename(narration.audio.name)


def audio_path(narration: Any) -> str:
    """The reader-facing URL path of a narration's audio; a new narration is a new URL."""
    return reverse("narration:file", args=[narration.pk, audio_filename(narration)])


def transcript_path(narration: Any) -> str:
    ext, _ = transcript_format(narration)
    return reverse("narration:transcript", args=[narration.pk, ext])


def transcript_page_path(narration: Any) -> str:
    """The readable transcript page (the .vtt/.txt files are for players and podcast apps)."""
    return str(reverse("narration:transcript-page", args=[narration.pk]))
