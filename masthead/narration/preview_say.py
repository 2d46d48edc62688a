"""Speak stdin with the configured engine and write a WAV to stdout (the admin's lexicon preview).

A child process of the web worker, so the voice is loaded here and freed when it exits.
"""

from __future__ import annotations

import io
import os
import sys
import wave


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "masthead.settings")
    import django

    django.setup()
    from masthead.narration.engines import EngineError, get_engine

    text = sys.stdin.read()
    try:
        audio = get_engine().synthesize(text)
    except EngineError as exc:
        sys.stderr.write(f"{exc.message}\n")
        return 1
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(audio.sample_rate)
        wav.writeframes(audio.pcm)
    sys.stdout.buffer.write(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
