"""The narration's transcript as a page a person reads: the article's words in order, with times.

The .vtt and .txt files stay for players and podcast apps (views.transcript); this page is what the
player's "Transcript" link opens. It is the article's text in another form, so it passes the same
gate as the audio (listening.may_hear) and no shared cache keeps a gated one.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from masthead.core.private_files import NO_STORE
from masthead.narration import transcripts
from masthead.narration.listening import FULL, is_public, may_hear
from masthead.narration.views import PUBLIC_TRANSCRIPT_CACHE, _narration, refused


def _clock(ms: int) -> str:
    minutes, seconds = divmod(max(0, int(ms)) // 1000, 60)
    return f"{minutes}:{seconds:02d}"


def _parts(narration: Any) -> list[dict[str, str]]:
    parts = []
    for segment in narration.segments or []:
        block = str(segment.get("block_id", ""))
        kind = str(segment.get("kind") or (block if block in ("headline", "standfirst", "byline") else "paragraph"))
        if kind == "headline":
            continue  # the page's own heading
        text = transcripts.written(segment)
        if text:
            parts.append({"kind": kind, "text": text, "at": _clock(segment.get("start_ms", 0))})
    return parts


@require_http_methods(["GET", "HEAD"])
def transcript_page(request: HttpRequest, pk: int) -> HttpResponse:
    narration = _narration(pk)
    if not may_hear(request.user, narration):
        return refused(narration)
    page = narration.page.specific
    response = render(
        request,
        "narration/transcript.html",
        {
            "article": page,
            "narration": narration,
            "parts": _parts(narration),
            "teaser": narration.variant != FULL,
            "duration": _clock(narration.duration_ms or 0),
            "audio_url": transcripts.audio_path(narration),
            "captions_url": transcripts.transcript_path(narration),
        },
    )
    # Gated text: nothing keeps it (a refund takes effect at the next request). Public text: shared
    # caches may keep the anonymous page for an hour; a signed-in reader's page carries their header.
    anonymous = not request.user.is_authenticated
    response["Cache-Control"] = PUBLIC_TRANSCRIPT_CACHE if anonymous and is_public(narration) else NO_STORE
    response["X-Robots-Tag"] = "noindex"
    return response
