"""espeak-ng through its command line: robotic but fast, and always installed (tests, fallback).

Text goes in on stdin so nothing in an article can be read as an option.
Inline ``[[ ]]`` is espeak's own phoneme mnemonics, not IPA, so phoneme lexicon
entries written for Piper are stripped to their plain term here (see textprep).
"""

from __future__ import annotations

import io
import shutil
import subprocess
import wave
from functools import cache

from masthead.narration.engines.base import Audio, EngineError, SpeechEngine

TIMEOUT_SECONDS = 60


@cache
def _espeak_version(binary: str) -> str:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10, check=False).stdout  # noqa: S603
    # "eSpeak NG text-to-speech: 1.51  Data at: ..."
    return out.split(":", 1)[1].split()[0] if ":" in out else "unknown"


class EspeakEngine(SpeechEngine):
    name = "espeak"

    def __init__(self, *, voice: str = "en-us", words_per_minute: int = 175) -> None:
        binary = shutil.which("espeak-ng")
        if binary is None:
            raise EngineError("espeak-ng is not installed (apt-get install espeak-ng)", retryable=False)
        self.binary = binary
        self.voice = voice
        self.words_per_minute = words_per_minute
        self.engine_version = f"espeak-ng {_espeak_version(binary)}"
        self.voice_id = f"espeak-ng-{_espeak_version(binary)}/{voice}-{words_per_minute}"

    def load(self) -> None:
        """Nothing to preload: each paragraph is one short-lived process."""

    def synthesize(self, text: str) -> Audio:
        try:
            proc = subprocess.run(  # noqa: S603 -- fixed argv; article text goes in on stdin
                [self.binary, "--stdout", "-v", self.voice, "-s", str(self.words_per_minute)],
                input=text.encode("utf-8"),
                capture_output=True,
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise EngineError(f"espeak-ng took longer than {TIMEOUT_SECONDS} s", retryable=True) from exc
        except OSError as exc:
            raise EngineError(f"espeak-ng could not start: {exc}", retryable=True) from exc
        if proc.returncode != 0:
            raise EngineError(f"espeak-ng exited {proc.returncode}: {proc.stderr.decode(errors='replace')[:200]}", retryable=True)
        try:
            with wave.open(io.BytesIO(proc.stdout)) as wav:
                if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
                    raise EngineError("espeak-ng returned audio that is not 16-bit mono", retryable=False)
                # espeak streams to a pipe, so the header's frame count is bogus: read what is there.
                pcm = proc.stdout[44:]
                return Audio(pcm=pcm[: len(pcm) // 2 * 2], sample_rate=wav.getframerate())
        except (wave.Error, EOFError) as exc:
            raise EngineError(f"espeak-ng returned unreadable audio: {exc}", retryable=True) from exc
