"""Reader-facing audio: the MP3 behind the player, its transcript, and feed-token rotation.

The gate is the reader's session here (the player on the article page); the
private podcast feed has its own token-authenticated copies in podcast.py.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_http_methods, require_POST

from masthead.core.http import safe_next
from masthead.core.private_files import NO_STORE, PUBLIC_IMMUTABLE, serve_private_file
from masthead.narration import transcripts
from masthead.narration.feed_tokens import rotate_token
from masthead.narration.listening import is_public, may_hear, narration_model

# A transcript's URL names the narration row, whose text a lexicon refresh may
# rewrite in place (the MP3 gets a new name, the transcript URL does not).
PUBLIC_TRANSCRIPT_CACHE = "public, max-age=3600"


def _narration(pk: int) -> Any:
    narration = get_object_or_404(narration_model().objects.select_related("page"), pk=pk, status="ready")
    if not narration.audio:
        raise Http404("This narration has no audio file.")
    return narration


def refused(narration: Any) -> HttpResponse:
    # 403, not 404: the player can tell the reader why, and nothing of the
    # audio is revealed either way.
    response = HttpResponse(
        "This narration is for subscribers. Subscribe to hear the whole article.",
        status=403,
        content_type="text/plain; charset=utf-8",
    )
    response["Cache-Control"] = "private, no-store"
    return response


def send_audio(request: HttpRequest, narration: Any) -> HttpResponseBase:
    # Every narration file is private; audio every anonymous reader may hear is
    # still served from private storage (an article made paid later must not
    # leave its old full reading public) but shared caches may keep it: its
    # name changes whenever its bytes do. Gated audio: nothing keeps a copy,
    # so a refund or lapse takes effect at the reader's next request.
    return serve_private_file(
        request,
        narration.audio.name,
        content_type="audio/mpeg",
        cache_control=PUBLIC_IMMUTABLE if is_public(narration) else NO_STORE,
    )


def send_transcript(narration: Any, ext: str) -> HttpResponse:
    if ext == "vtt":
        response = HttpResponse(transcripts.webvtt(narration), content_type="text/vtt; charset=utf-8")
    else:
        response = HttpResponse(transcripts.plain_text(narration), content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = PUBLIC_TRANSCRIPT_CACHE if is_public(narration) else NO_STORE
    response["X-Robots-Tag"] = "noindex"
    return response


@require_http_methods(["GET", "HEAD"])
def audio_file(request: HttpRequest, pk: int, filename: str) -> HttpResponseBase:
    narration = _narration(pk)
    if filename != transcripts.audio_filename(narration):
        raise Http404("No such audio file.")
    if not may_hear(request.user, narration):
        return refused(narration)
    return send_audio(request, narration)


@require_http_methods(["GET", "HEAD"])
def transcript(request: HttpRequest, pk: int, ext: str) -> HttpResponse:
    narration = _narration(pk)
    if not may_hear(request.user, narration):
        return refused(narration)
    return send_transcript(narration, ext)


@require_POST
@login_required
def rotate_feed(request: HttpRequest) -> HttpResponse:
    rotate_token(user=request.user)
    messages.success(
        request, "Your private podcast feed has a new address. Re-add it in your podcast app; the old one no longer works."
    )
    return redirect(safe_next(request, request.POST.get("next"), "/account/"))
