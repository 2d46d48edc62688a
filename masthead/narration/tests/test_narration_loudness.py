"""Every narration is mastered to -16 LUFS integrated with true peaks at most -1 dBTP.

Measured the way a podcast host would: the whole MP3 a listener downloads, decoded (miniaudio), with
an independent ITU-R BS.1770 meter (pyloudnorm) and 8x oversampling for the true peak.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from masthead.core.private_files import private_storage
from masthead.narration import loudness, services
from masthead.narration.engines.espeak import EspeakEngine
from masthead.narration.tests.support import CountingEngine, edit_paragraph, make_long_article

pyloudnorm = pytest.importorskip("pyloudnorm")
miniaudio = pytest.importorskip("miniaudio")
signal = pytest.importorskip("scipy.signal")

RATE = 22050


def decoded(mp3: bytes) -> np.ndarray:
    sound = miniaudio.decode(mp3, output_format=miniaudio.SampleFormat.SIGNED16, nchannels=1, sample_rate=RATE)
    return np.frombuffer(sound.samples, dtype="<i2").astype(np.float64) / 32768


def true_peak_dbtp(samples: np.ndarray) -> float:
    return 20 * math.log10(float(np.abs(signal.resample_poly(samples, 8, 1)).max()))


def speech(seconds: float, level: float) -> np.ndarray:
    """Speech-like test signal: a vowel-ish harmonic tone with syllable-rate bursts and sharp peaks."""
    t = np.arange(int(seconds * RATE)) / RATE
    voice = sum(np.sin(2 * np.pi * 140 * k * t) / k for k in range(1, 12))
    syllables = (np.sin(2 * np.pi * 4 * t) > 0).astype(float)
    return level * voice * syllables / np.abs(voice).max()


def test_our_meter_agrees_with_pyloudnorm():
    meter = pyloudnorm.Meter(RATE)
    for seconds, level in ((3, 0.05), (14, 0.3), (30, 0.9)):  # 14 s and 30 s span the meter's pieces
        samples = speech(seconds, level)
        assert loudness.integrated_loudness(samples, RATE) == pytest.approx(meter.integrated_loudness(samples), abs=0.01)


def test_a_quiet_clip_with_near_full_scale_peaks_is_brought_up_and_limited():
    """Piper's own level: about -24 LUFS with peaks near 0 dBFS, so the gain needs the limiter."""
    samples = speech(12, 0.95)
    samples[::RATE] = 0.99  # a click a second, as plosives peak
    pcm = (samples * 32767).astype("<i2").tobytes()
    mastered = np.frombuffer(loudness.master(pcm, RATE), dtype="<i2").astype(np.float64) / 32768
    assert pyloudnorm.Meter(RATE).integrated_loudness(mastered) == pytest.approx(
        loudness.TARGET_LUFS + loudness.ENCODER_LOSS_LU, abs=0.15
    )
    assert true_peak_dbtp(mastered) <= loudness.LIMIT_DBTP + 0.2


def test_a_narration_is_at_minus_16_lufs_and_under_minus_1_dbtp(magazine):
    page = make_long_article(magazine, paragraphs=4)
    narration = services.narrate(page_id=page.pk, engine=EspeakEngine())
    with private_storage.open(narration.audio.name, "rb") as fh:
        heard = decoded(fh.read())
    assert pyloudnorm.Meter(RATE).integrated_loudness(heard) == pytest.approx(-16.0, abs=0.5)
    assert true_peak_dbtp(heard) <= -1.0


def test_a_one_paragraph_edit_still_speaks_one_paragraph(magazine):
    page = make_long_article(magazine, paragraphs=6)
    engine = CountingEngine()
    services.narrate(page_id=page.pk, engine=engine)
    engine.calls.clear()
    page = edit_paragraph(page, 3, "A corrected paragraph, with 12 people.")
    services.narrate(page_id=page.pk, engine=engine)
    assert engine.calls == ["A corrected paragraph, with twelve people."]
