"""Loudness: every clip mastered to -16 LUFS integrated with its true peak at most -1 dBTP.

Piper's own level is about -24 LUFS with peaks already near full scale (seed article: -24.2 LUFS,
-0.66 dBFS), six to eight dB under podcast practice. So each paragraph's clip gets one gain to the
target (ITU-R BS.1770-4 integrated loudness: K-weighting, 400 ms blocks, -70 LUFS and -10 LU gates)
and a look-ahead limiter holds its 4x-oversampled (true) peak under the ceiling.

Why per clip and not once per narration: a narration is the clips' own MP3s joined at frame
boundaries (services.py), so a one-paragraph edit speaks and encodes one paragraph. Gain at
assembly would mean decoding or re-encoding the whole article at every edit. The voice's paragraphs
differ little (seed article: -25.5 to -23.3 LUFS), so equal-loudness paragraphs give a narration
within a few tenths of a LU of the target (measured against pyloudnorm on the joined, decoded
MP3 in tests/test_narration_loudness.py).

numpy only: scipy (which pyloudnorm needs) costs the worker ~78 MiB, which it does not have.
The K-weighting filters are applied in the frequency domain, exact up to the IIR tail that the
zero padding leaves out; tests compare this meter with pyloudnorm's.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import numpy.typing as npt

TARGET_LUFS = -16.0
CEILING_DBTP = -1.0
# The limiter aims under the ceiling: LAME at 64 kbps adds overshoot between samples (seed article: the
# decoded MP3 peaked 0.8 dB over its PCM at a -1.8 limit; at -2.5 the MP3 peaks at -1.9 dBTP).
LIMIT_DBTP = -2.5
# LAME at 64 kbps, 22,050 Hz mono cuts the top of the band, which BS.1770 weights up: decoded
# clips measured 0.34-0.52 LU (mean 0.43) under their PCM on the seed article, so the PCM aims that
# much higher and the MP3 a listener gets lands on the target.
ENCODER_LOSS_LU = 0.4
# Part of every clip's cache key: a change here is different audio.
MASTERING = f"lufs{TARGET_LUFS:g}-tp{CEILING_DBTP:g}"

Samples = npt.NDArray[np.floating[Any]]

_BLOCK_S, _STEP = 0.4, 0.25  # 400 ms gating blocks, 75 % overlap
_ABSOLUTE_GATE, _RELATIVE_GATE = -70.0, -10.0
_PAD_S = 0.5  # zero padding past the end: the K-weighting filters' impulse responses are long gone by then
# Shorter clips do not fill one gating block; they take the voice's usual gain instead of a measured one.
_USUAL_GAIN_DB = 8.0

# Limiter timing (samples are counted at the clip's rate): gain falls over ATTACK before a peak, holds
# for HOLD after it, and rises again over ATTACK; slow next to a voice's 5-10 ms pitch periods.
_ATTACK_S, _HOLD_S = 0.005, 0.02
_ROUNDS, _TOLERANCE_LU = 4, 0.1


def _biquad_response(b: tuple[float, float, float], a: tuple[float, float, float], w: Samples) -> npt.NDArray[np.complex128]:
    z1, z2 = np.exp(-1j * w), np.exp(-2j * w)
    response: npt.NDArray[np.complex128] = (b[0] + b[1] * z1 + b[2] * z2) / (a[0] + a[1] * z1 + a[2] * z2)
    return response


def _k_weighting(rate: int, w: Samples) -> npt.NDArray[np.complex128]:
    """BS.1770's two stages (high shelf +4 dB above ~1.5 kHz, high pass at 38 Hz), designed for this rate."""
    gain_db, q, fc = 4.0, 1 / math.sqrt(2), 1500.0
    big_a, w0 = 10 ** (gain_db / 40), 2 * math.pi * fc / rate
    alpha, cos = math.sin(w0) / (2 * q), math.cos(w0)
    shelf = _biquad_response(
        (
            big_a * ((big_a + 1) + (big_a - 1) * cos + 2 * math.sqrt(big_a) * alpha),
            -2 * big_a * ((big_a - 1) + (big_a + 1) * cos),
            big_a * ((big_a + 1) + (big_a - 1) * cos - 2 * math.sqrt(big_a) * alpha),
        ),
        (
            (big_a + 1) - (big_a - 1) * cos + 2 * math.sqrt(big_a) * alpha,
            2 * ((big_a - 1) - (big_a + 1) * cos),
            (big_a + 1) - (big_a - 1) * cos - 2 * math.sqrt(big_a) * alpha,
        ),
        w,
    )
    q, fc = 0.5, 38.0
    w0 = 2 * math.pi * fc / rate
    alpha, cos = math.sin(w0) / (2 * q), math.cos(w0)
    high_pass = _biquad_response(((1 + cos) / 2, -(1 + cos), (1 + cos) / 2), (1 + alpha, -2 * cos, 1 - alpha), w)
    k: npt.NDArray[np.complex128] = shelf * high_pass
    return k


_SECTION = 1 << 16  # samples per piece of work (~3 s at 22,050 Hz): memory stays flat on long paragraphs
_CONTEXT = 1 << 13  # samples of history each piece is filtered with (0.37 s; the filters' tails are shorter)


@functools.cache
def _section_response(rate: int) -> npt.NDArray[np.complex128]:
    return _k_weighting(rate, np.linspace(0, math.pi, _SECTION // 2 + 1))


def k_weighted_steps(samples: Samples, rate: int) -> Samples:
    """Energy of the K-weighted signal summed per 100 ms step, filtered piece by piece (overlap-save).

    Only the per-step sums are kept, never the whole weighted signal: memory stays that of one piece.
    """
    step = round(_BLOCK_S * _STEP * rate)
    advance = (_SECTION - _CONTEXT) // step * step  # pieces start on step boundaries
    response = _section_response(rate)
    sums = np.zeros(-(-len(samples) // step))
    for start in range(0, len(samples), advance):
        lo = max(0, start - _CONTEXT)
        piece = np.zeros(_SECTION)
        chunk = samples[lo : start + advance]
        piece[: len(chunk)] = chunk
        filtered = np.fft.irfft(np.fft.rfft(piece) * response, _SECTION)
        count = min(advance, len(samples) - start)
        power = np.square(filtered[start - lo : start - lo + count])
        whole = count // step * step
        first = start // step
        sums[first : first + whole // step] = power[:whole].reshape(-1, step).sum(axis=1)
        if whole < count:
            sums[first + whole // step] = power[whole:].sum()
    return sums


def _loudness(energy: Samples, rate: int, length: int) -> float:
    """Integrated loudness from the K-weighted energy summed per 100 ms step (``length`` samples in all)."""
    step = round(_BLOCK_S * _STEP * rate)
    per_block = round(1 / _STEP)
    blocks = round((length / rate - _BLOCK_S) / (_BLOCK_S * _STEP)) + 1
    if blocks < 1:
        return -math.inf
    padded = np.concatenate((energy, np.zeros(per_block)))
    z = np.zeros(blocks)
    for i in range(per_block):
        z += padded[i : i + blocks]
    z /= step * per_block
    with np.errstate(divide="ignore"):
        loudness = -0.691 + 10 * np.log10(z)
    gated = z[loudness > _ABSOLUTE_GATE]
    if not gated.size:
        return -math.inf
    relative = -0.691 + 10 * math.log10(float(gated.mean())) + _RELATIVE_GATE
    gated = z[(loudness > _ABSOLUTE_GATE) & (loudness > relative)]
    return -0.691 + 10 * math.log10(float(gated.mean()))


def integrated_loudness(samples: Samples, rate: int) -> float:
    """BS.1770-4 integrated loudness (LUFS) of mono samples in [-1, 1]; -inf for silence or under one block."""
    if len(samples) < round(_BLOCK_S * rate):
        return -math.inf
    return _loudness(k_weighted_steps(samples, rate), rate, len(samples))


# 4x oversampling for the true peak: a 48-tap windowed-sinc interpolator, 12 taps per phase.
_TAPS = 12
_PHASES = 4


def _interpolator() -> npt.NDArray[np.float64]:
    n = np.arange(_TAPS * _PHASES) - (_TAPS * _PHASES - 1) / 2
    h = np.sinc(n / _PHASES) * np.kaiser(len(n), 6.0)
    return np.asarray(h.reshape(_TAPS, _PHASES).T * (_PHASES / h.sum()), dtype=np.float32)


_FILTERS = _interpolator()


def true_peak_envelope(samples: Samples) -> Samples:
    """Per input sample, the largest magnitude among the sample and its oversampled neighbours."""
    envelope = np.abs(samples)
    for phase in _FILTERS:
        between = np.convolve(samples, phase, mode="same")
        np.abs(between, out=between)
        np.maximum(envelope, between, out=envelope)
        # A phase's interpolated value lies between this sample and the next, so it bounds both.
        np.maximum(envelope[:-1], between[1:], out=envelope[:-1])
    return envelope


def true_peak_dbtp(samples: Samples) -> float:
    peak = float(true_peak_envelope(samples).max()) if len(samples) else 0.0
    return 20 * math.log10(peak) if peak > 0 else -math.inf


def _moving_min(values: Samples, before: int, after: int) -> Samples:
    """min(values[i - before : i + after + 1]) for every i, in O(n) (van Herk / Gil-Werman)."""
    width = before + after + 1
    padded = np.concatenate((np.full(before, np.inf), values, np.full(after + width, np.inf)))
    rows = len(padded) // width
    grid = padded[: rows * width].reshape(rows, width)
    prefix = np.minimum.accumulate(grid, axis=1).reshape(-1)
    suffix = np.minimum.accumulate(grid[:, ::-1], axis=1)[:, ::-1].reshape(-1)
    n = len(values)
    result: Samples = np.minimum(suffix[:n], prefix[width - 1 : width - 1 + n])
    return result


def _moving_mean(values: Samples, width: int) -> Samples:
    """Mean of values[i - width + 1 : i + 1] (the window ends at i; values before the start count as 1)."""
    padded = np.concatenate((np.ones(width), values))
    sums = np.cumsum(padded)
    result: Samples = (sums[width:] - sums[:-width]) / width
    return result


def _limiter_gain(envelope: Samples, rate: int, ceiling: float, scale: float = 1.0) -> Samples:
    """Smooth gain that keeps ``envelope * scale`` at or under ``ceiling``, worked out piece by piece."""
    attack, hold = max(1, round(_ATTACK_S * rate)), round(_HOLD_S * rate)
    margin = hold + 2 * attack + 2
    gain = np.ones(len(envelope), dtype=np.float32)
    for start in range(0, len(envelope), _SECTION):
        end = min(start + _SECTION, len(envelope))
        lo, hi = max(0, start - margin), min(len(envelope), end + margin)
        piece = envelope[lo:hi] * np.float32(scale)
        if float(piece.max(initial=0.0)) <= ceiling:
            continue
        needed = np.minimum(1.0, ceiling / np.maximum(piece, 1e-12))
        # Two moving means over ATTACK each see only minima that already cover their sample, so the
        # smoothed gain never exceeds what any sample needs; the look-ahead is their combined length.
        floor = _moving_min(needed, hold, 2 * attack)
        smooth = _moving_mean(_moving_mean(floor, attack), attack)
        gain[start:end] = np.minimum(smooth, needed)[start - lo : end - lo]
    return gain


def limit(samples: Samples, rate: int, ceiling_dbtp: float = LIMIT_DBTP) -> Samples:
    """Look-ahead limiter: the oversampled peak at or under the ceiling."""
    limited: Samples = samples * _limiter_gain(true_peak_envelope(samples), rate, 10 ** (ceiling_dbtp / 20))
    return limited


def master(pcm: bytes, rate: int) -> bytes:
    """One clip of 16-bit mono PCM → the same speech at TARGET_LUFS with true peaks under CEILING_DBTP.

    Limiting takes energy out of the peaks (~1.6 dB on Piper's speech), so the gain is found in a
    few rounds of: gain, limiter, loudness of the result (secant steps; the peak envelope is
    measured once, since scaling the signal scales it).
    """
    if not pcm:
        return pcm
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32)
    samples *= np.float32(1 / 32768)
    envelope = true_peak_envelope(samples)
    ceiling = 10 ** (LIMIT_DBTP / 20)

    def render(gain_db: float) -> Samples:
        scale = 10 ** (gain_db / 20)
        out = _limiter_gain(envelope, rate, ceiling, scale)  # the gain, then in place the output
        out *= np.float32(scale)
        out *= samples
        return out

    target = TARGET_LUFS + ENCODER_LOSS_LU
    loudness = integrated_loudness(samples, rate)
    if len(samples) < rate or loudness < -50:
        # A one-word heading is too short to measure well, a near-silent clip has nothing to bring up.
        out = render(_USUAL_GAIN_DB) if len(samples) < rate else samples
    else:
        gain, reached = target - loudness, loudness
        previous: tuple[float, float] | None = None
        for _ in range(_ROUNDS):
            out = render(gain)
            reached = integrated_loudness(out, rate)
            if abs(target - reached) < _TOLERANCE_LU:
                break
            # Secant step once two rounds are known (limiting makes loudness grow slower than gain).
            slope = 0.8 if previous is None else (reached - previous[1]) / (gain - previous[0] or 1e-9)
            previous = (gain, reached)
            gain += (target - reached) / min(max(slope, 0.2), 1.0)
        else:
            out = render(gain)
    # In place: a long paragraph's arrays are the worker's memory peak (see docs/benchmarks.md).
    out *= np.float32(32768.0)
    np.round(out, out=out)
    np.clip(out, -32768, 32767, out=out)
    return out.astype("<i2").tobytes()
