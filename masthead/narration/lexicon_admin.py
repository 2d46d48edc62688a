"""Listen to a pronunciation before saving it: the admin's "Listen" button on a lexicon entry.

The button posts the form's current values; the answer is a short WAV of the sample sentence
spoken with that entry applied (and mastered as narrations are). Piper is run in a child process
(python -m masthead.narration.preview_say), so a web worker never loads the ~90 MB voice; one
preview runs at a time per site (a cache lock shared by every web process), the rest get 429.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import wave

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_POST

from masthead.narration.engines import EngineError, get_engine
from masthead.narration.models import LexiconEntry

LOCK_KEY = "narration:lexicon-listen"
LOCK_SECONDS = 60
MAX_SAMPLE_CHARS = 300
TIMEOUT_SECONDS = 45


def _wav(pcm: bytes, rate: int) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm)
    return out.getvalue()


def speak(text: str) -> tuple[bytes, int]:
    """(PCM, sample rate) of one short text with the configured engine; Piper in a child process."""
    if getattr(settings, "NARRATION_ENGINE", "piper") != "piper":
        audio = get_engine().synthesize(text)
        return audio.pcm, audio.sample_rate
    try:
        proc = subprocess.run(  # noqa: S603 -- fixed argv; the text goes in on stdin
            [sys.executable, "-m", "masthead.narration.preview_say"],
            input=text.encode(),
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise EngineError("the voice took too long to answer", retryable=True) from exc
    if proc.returncode != 0:
        reason = (proc.stderr.decode(errors="replace").strip().splitlines() or ["no output"])[-1]
        raise EngineError(f"the voice failed: {reason[:200]}", retryable=True)
    with wave.open(io.BytesIO(proc.stdout)) as wav:
        return wav.readframes(wav.getnframes()), wav.getframerate()


@require_POST
def lexicon_listen(request: HttpRequest) -> HttpResponse:
    # Imported here: wagtail loads this module in every web process, which must not pay for numpy and the rules.
    from masthead.narration import loudness
    from masthead.narration.textprep import Pronunciation, prepare

    user = request.user
    if not (user.has_perm("narration.add_lexiconentry") or user.has_perm("narration.change_lexiconentry")):
        raise PermissionDenied
    entry = LexiconEntry(
        term=request.POST.get("term", ""),
        kind=request.POST.get("kind", ""),
        replacement=request.POST.get("replacement", ""),
        case_sensitive=request.POST.get("case_sensitive") in ("on", "true", "1"),
    )
    try:
        entry.full_clean(exclude=["note"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        return JsonResponse({"errors": exc.message_dict}, status=400)
    sample = " ".join(request.POST.get("sample", "").split()) or f"{entry.term}."
    if len(sample) > MAX_SAMPLE_CHARS:
        return JsonResponse({"errors": {"sample": [f"Keep the sample under {MAX_SAMPLE_CHARS} characters."]}}, status=400)
    if entry.term.lower() not in sample.lower():
        return JsonResponse({"errors": {"sample": ["The sample sentence must contain the term."]}}, status=400)
    engine = get_engine()
    lexicon = [Pronunciation(entry.term, entry.kind, entry.replacement, entry.case_sensitive)]
    spoken = prepare(sample, lexicon, phonemes=engine.phonemes_ipa)
    if not cache.add(LOCK_KEY, 1, LOCK_SECONDS):
        return JsonResponse({"errors": {"__all__": ["Another preview is being spoken; try again in a moment."]}}, status=429)
    try:
        pcm, rate = speak(spoken)
    except EngineError as exc:
        return JsonResponse({"errors": {"__all__": [exc.message]}}, status=503)
    finally:
        cache.delete(LOCK_KEY)
    response = HttpResponse(_wav(loudness.master(pcm, rate), rate), content_type="audio/wav")
    response["Cache-Control"] = "private, no-store"
    response["X-Spoken-Text"] = json.dumps(spoken, ensure_ascii=True)
    return response
