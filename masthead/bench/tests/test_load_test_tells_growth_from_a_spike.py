"""The load test's memory verdict: a process that grows is caught; a sign-in's brief Argon2 work area is not growth."""

from __future__ import annotations

from masthead.bench.scale_ops import memory_growth

STEP_S = 5


def _samples(rss_mib_at: dict[str, list[float]]) -> list[dict[str, object]]:
    count = len(next(iter(rss_mib_at.values())))
    return [
        {"t": 1000 + STEP_S * i, "rss_kib": {name: int(series[i] * 1024) for name, series in rss_mib_at.items()}}
        for i in range(count)
    ]


def test_a_sample_taken_during_a_password_hash_is_a_peak_not_growth():
    flat = [250.0] * 120
    flat[-1] += 100  # the run's last sample lands inside a 100 MiB Argon2 hash
    flat[15] += 100  # and so does one just after the warm-up
    found = memory_growth(_samples({"app": flat}), began=1000)["app"]
    assert found["growth_pct"] == 0.0
    assert found["peak_mib"] == 350.0


def test_a_process_that_keeps_growing_is_reported():
    leaking = [200.0 + i for i in range(120)]  # a MiB every five seconds
    found = memory_growth(_samples({"app": leaking}), began=1000)["app"]
    assert found["growth_pct"] is not None and found["growth_pct"] > 10
