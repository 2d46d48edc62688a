"""The one-method interface every speech engine implements.

An engine turns prepared text (already normalised by textprep) into PCM audio.
Errors say whether trying again can help: a missing voice file will not fix
itself (permanent), a crashed subprocess or an out-of-memory might (retryable).
"""

from __future__ import annotations

from dataclasses import dataclass


class EngineError(Exception):
    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable


@dataclass(frozen=True)
class Audio:
    """Mono signed 16-bit little-endian PCM."""

    pcm: bytes
    sample_rate: int

    @property
    def seconds(self) -> float:
        return len(self.pcm) / 2 / self.sample_rate


class SpeechEngine:
    # Part of every cache key: a different voice or engine version is different audio.
    voice_id: str = ""
    # Whether inline [[ IPA phonemes ]] reach the voice (Piper) or must be replaced by the plain word (espeak).
    phonemes_ipa: bool = False

    def synthesize(self, text: str) -> Audio:
        """Speak one paragraph of prepared text. Raises EngineError on failure."""
        raise NotImplementedError
