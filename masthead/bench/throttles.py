"""Throttle stores benchmark: do counters stay exact when two worker processes count at once?

    python -m masthead.bench throttles

Two processes hit one key at the same moment, on one SQLite database (the
embedded default), two ways:

1. Django's DatabaseCache with `cache.add(key, 1)` then `cache.incr(key)`: the
   calls django-ratelimit makes on each counted request (its
   `get_usage(..., increment=True)`), on the only shared cache the embedded
   default could give it. DatabaseCache.incr is BaseCache.incr: a get, then a set.
2. masthead.core.counters.hit: one INSERT ... ON CONFLICT DO UPDATE ... RETURNING.

Reported: increments lost (the final count short of the calls made), and in
repeated bursts of 2 × 10 attempts at a fresh key with a limit of 5, how many
bursts let more than 5 through — beside the cost of one call, and a reference
measured in the same run (one primary-key SELECT on the same database).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from masthead.bench.common import BENCH_DIR, PYTHON, ROOT, app_env, machine_facts

DATA = BENCH_DIR / "throttles-data"
CALLS = 300  # per process, one key
BURSTS = 20  # fresh keys, 10 attempts per process each
LIMIT = 5
CACHE_TABLE = "bench_ratelimit_cache"


def _env() -> dict[str, str]:
    return app_env(DATA)


# --- Inside the Django process (run through `python -c`) ----------------------


def prepare() -> None:
    from django.core.management import call_command
    from django.core.management.commands.createcachetable import Command as CreateCacheTable

    call_command("migrate", verbosity=0)
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table("default", CACHE_TABLE, False)


def child(store: str, start_at: float) -> None:
    """Count CALLS times on one key, then BURSTS bursts of 10 on fresh keys; print what happened as JSON."""
    from datetime import timedelta

    from django.core.cache.backends.db import DatabaseCache

    from masthead.core import counters

    window = timedelta(minutes=15)
    cache = DatabaseCache(CACHE_TABLE, {})

    def count(key: str) -> int:
        if store == "counters":
            return counters.hit(key, window)
        # django-ratelimit's increment path: add() creates the key at 1, else incr().
        return 1 if cache.add(key, 1, 900) else int(cache.incr(key))

    time.sleep(max(0.0, start_at - time.time()))
    began = time.perf_counter()
    for _ in range(CALLS):
        count(f"{store}:one-key")
    seconds = time.perf_counter() - began
    allowed = []
    for burst in range(BURSTS):
        time.sleep(max(0.0, start_at + 30 + burst * 0.5 - time.time()))
        allowed.append(sum(count(f"{store}:burst{burst}") <= LIMIT for _ in range(10)))
    print(json.dumps({"us_per_call": seconds / CALLS * 1e6, "allowed": allowed}))


def final_counts(store: str) -> str:
    from django.core.cache.backends.db import DatabaseCache

    from masthead.core import counters

    if store == "counters":
        return json.dumps({"one_key": counters.current(f"{store}:one-key")})
    return json.dumps({"one_key": DatabaseCache(CACHE_TABLE, {}).get(f"{store}:one-key")})


def reference() -> str:
    """Microseconds per primary-key SELECT on the same database: what any database-backed counter costs at least."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    user = User.objects.create(username=f"bench-{time.time_ns()}")
    began = time.perf_counter()
    for _ in range(CALLS):
        User.objects.filter(pk=user.pk).exists()
    return json.dumps({"us_per_call": (time.perf_counter() - began) / CALLS * 1e6})


# --- The runner ----------------------------------------------------------------


def _django(code: str) -> str:
    setup = "import django; django.setup(); from masthead.bench import throttles as t; "
    result = subprocess.run([PYTHON, "-c", setup + code], cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"{code} failed: {result.stderr[-3000:]}")
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


@dataclass
class Race:
    final: int
    us: float
    over: int
    worst: int


def _race(store: str) -> Race:
    start_at = time.time() + 8  # both interpreters are up and connected by then
    procs = [
        subprocess.Popen(
            [
                PYTHON,
                "-c",
                f"import django; django.setup(); from masthead.bench import throttles as t; t.child({store!r}, {start_at})",
            ],
            cwd=ROOT,
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        if proc.returncode != 0:
            raise RuntimeError(f"{store} child failed: {err[-2000:]}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    final = json.loads(_django(f"print(t.final_counts({store!r}))"))["one_key"]
    bursts = [a + b for a, b in zip(results[0]["allowed"], results[1]["allowed"], strict=True)]
    return Race(
        final=int(final or 0),
        us=sum(r["us_per_call"] for r in results) / 2,
        over=sum(total > LIMIT for total in bursts),
        worst=max(bursts),
    )


def run() -> str:
    shutil.rmtree(DATA, ignore_errors=True)
    Path(DATA).mkdir(parents=True)
    _django("t.prepare()")
    ref = json.loads(_django("print(t.reference())"))["us_per_call"]
    rows = []
    for store, label in (
        ("dbcache", "DatabaseCache `add` + `incr` (django-ratelimit's calls)"),
        ("counters", "`masthead.core.counters.hit`"),
    ):
        r = _race(store)
        lost = 2 * CALLS - r.final
        rows.append(f"| {label} | {2 * CALLS} | {r.final} | {lost} | {r.over} of {BURSTS} (worst {r.worst}) | {r.us:.0f} µs |")
    shutil.rmtree(DATA, ignore_errors=True)
    return "\n".join(
        [
            "## Throttle counters shared by two processes",
            "",
            machine_facts(),
            "",
            "Two processes count on one key of one SQLite database (WAL) at the same moment; then "
            f"{BURSTS} bursts of 2 × 10 attempts at a fresh key with a limit of {LIMIT}.",
            "",
            "| counter | calls | final count | increments lost | bursts letting more than 5 through | per call, contended |",
            "|---|---|---|---|---|---|",
            *rows,
            f"| reference: one primary-key SELECT, one process | {CALLS} | | | | {ref:.0f} µs |",
        ]
    )
