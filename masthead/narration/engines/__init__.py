"""Speech engines and the registry that picks one (setting NARRATION_ENGINE: piper | espeak)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from masthead.narration.engines.base import Audio, EngineError, SpeechEngine

__all__ = ["Audio", "EngineError", "SpeechEngine", "get_engine", "register_engine"]


def _piper() -> SpeechEngine:
    from masthead.narration.engines.piper import PiperEngine

    return PiperEngine()


def _espeak() -> SpeechEngine:
    from masthead.narration.engines.espeak import EspeakEngine

    return EspeakEngine()


_FACTORIES: dict[str, Callable[[], SpeechEngine]] = {"piper": _piper, "espeak": _espeak}
# One engine object per name and process: Piper's voice is expensive to load.
_engines: dict[str, SpeechEngine] = {}


def register_engine(name: str, factory: Callable[[], SpeechEngine]) -> None:
    """Add an engine (tests register counting fakes; deployments may add their own)."""
    _FACTORIES[name] = factory
    _engines.pop(name, None)


def get_engine(name: str | None = None) -> SpeechEngine:
    name = name or getattr(settings, "NARRATION_ENGINE", "piper")
    if name not in _FACTORIES:
        raise ImproperlyConfigured(f"NARRATION_ENGINE must be one of {', '.join(sorted(_FACTORIES))}; got {name!r}")
    if name not in _engines:
        _engines[name] = _FACTORIES[name]()
    return _engines[name]
