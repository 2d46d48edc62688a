"""The scale demo under faults and under load: scripted checks whose results are recorded.

    python -m masthead.bench.scale_ops [--faults] [--load SECONDS] [--users N] [--out var/scale-ops]

starts the scale demo (masthead/bench/scale_demo.py: PostgreSQL, Redis, S3, localstripe, two app
servers behind nginx, Varnish, RQ workers), then

--faults: with readers (anonymous and signed-in subscribers) reading through nginx all the while,
  1. stops Redis for 20 s and starts it again,
  2. stops one app server for 20 s and starts it again,
  3. restarts PostgreSQL (stopped for 10 s),
  and records, per second, every answer: status codes, whether a subscriber's page still showed
  them signed in, and how long the errors lasted;
--load: locust (masthead/bench/loadtest/locustfile.py) for SECONDS against the edge, sampling every
  process's resident memory and the load average.

Results: <out>/faults.json, <out>/load.json, locust's CSVs, and a Markdown summary on stdout (the
figures in docs/scaling.md "Faults" and docs/benchmarks.md "Load test" come from it).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from masthead.bench import reader_flows
from masthead.bench.scale_demo import ROOT, Cluster, rss_kib

PASSWORD = "scale-ops-password-1"  # noqa: S105 - throwaway readers of a throwaway deployment


def facts(cluster: Cluster, code: str) -> Any:
    return json.loads(cluster.shell(code, timeout=1800).strip().splitlines()[-1])


def make_readers(cluster: Cluster, *, subscribers: int, members: int, joiners: int) -> dict[str, list[list[str]]]:
    """Reader accounts with a password: subscribers (a comp grant), members, and members who will subscribe."""
    code = f"""
import json
from django.contrib.auth.hashers import make_password
from masthead.members.services import create_reader
from masthead.access.services import grant_comp
hashed = make_password({PASSWORD!r})
out = {{"subscribers": [], "members": [], "joiners": []}}
for kind, count in (("subscribers", {subscribers}), ("members", {members}), ("joiners", {joiners})):
    for i in range(count):
        email = f"load-{{kind}}-{{i}}@example.com"
        user = create_reader(email=email)
        user.password = hashed
        user.save(update_fields=["password"])
        if kind == "subscribers":
            grant_comp(user=user, until=None, note="load test")
        out[kind].append([email, {PASSWORD!r}])
print(json.dumps(out))
"""
    return dict(facts(cluster, code))


def site_map(cluster: Cluster) -> dict[str, Any]:
    return dict(
        facts(
            cluster,
            "import json; from masthead.newsroom.models import ArticlePage, SectionPage\n"
            "print(json.dumps({'articles': [p.url for p in ArticlePage.objects.live()],"
            " 'subscriber_articles': [p.url for p in ArticlePage.objects.live().filter(access='subscribers')],"
            " 'sections': [p.url for p in SectionPage.objects.live()]}))",
        )
    )


def ready_audio(cluster: Cluster, *, wait: float = 900, at_least: int = 3) -> list[dict[str, Any]]:
    """Full narrations the workers have made (espeak), as the player's URLs."""
    deadline = time.monotonic() + wait
    found: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        found = list(
            facts(
                cluster,
                "import json; from django.urls import reverse\n"
                "from masthead.narration.listening import narration_model\n"
                "from masthead.narration import transcripts\n"
                "ns = narration_model().objects.filter(status='ready', variant='full').exclude(audio='')\n"
                "print(json.dumps([{'url': reverse('narration:file', args=[n.pk, transcripts.audio_filename(n)]),"
                " 'size': n.size_bytes} for n in ns if n.size_bytes > 131072]))",
            )
        )
        if len(found) >= at_least:
            return found
        time.sleep(10)
    return found


# --- faults -------------------------------------------------------------------------------------


@dataclass
class Answer:
    at: float
    who: str
    status: int  # 0: no answer (connection refused, reset, timeout)
    signed_in: bool | None
    seconds: float


@dataclass
class Readers:
    """Readers reading through nginx (not the edge: Varnish would answer anonymous readers itself)."""

    base: str
    articles: list[str]
    subscribers: list[list[str]]
    anonymous: int = 3
    signed_in: int = 3
    answers: list[Answer] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        for i in range(self.anonymous):
            self._threads.append(threading.Thread(target=self._read, args=(None, i), daemon=True))
        for i in range(self.signed_in):
            self._threads.append(threading.Thread(target=self._read, args=(self.subscribers[i], i), daemon=True))
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def _read(self, account: list[str] | None, index: int) -> None:
        session = requests.Session()
        session.headers["X-Forwarded-For"] = f"10.9.{index}.{1 if account else 2}"
        who = "subscriber" if account else "anonymous"
        if account:
            reader_flows.sign_in(session, self.base, account[0], account[1])
        while not self._stop.is_set():
            if not account:
                session.cookies.clear()
            began = time.monotonic()
            try:
                page = session.get(self.base + random.choice(self.articles), timeout=15)
                status, text = page.status_code, page.text
            except requests.RequestException:
                status, text = 0, ""
            signed = (">Account</a>" in text) if account and status == 200 else None
            self.answers.append(Answer(time.time(), who, status, signed, time.monotonic() - began))
            time.sleep(0.05)


def _summary(answers: list[Answer], since: float, until: float) -> dict[str, Any]:
    window = [a for a in answers if since <= a.at < until]
    bad = [a for a in window if a.status != 200]
    signed = [a for a in window if a.signed_in is not None]
    latencies = sorted(a.seconds for a in window if a.status == 200)
    return {
        "requests": len(window),
        "statuses": dict(Counter(str(a.status) for a in window)),
        "failed": len(bad),
        "failed_first_s": round(bad[0].at - since, 1) if bad else None,
        "failed_last_s": round(bad[-1].at - since, 1) if bad else None,
        "subscriber_pages": len(signed),
        "subscriber_pages_signed_out": sum(1 for a in signed if not a.signed_in),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1) if latencies else None,
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 1) if latencies else None,
    }


def per_second(answers: list[Answer], since: float, until: float) -> list[str]:
    """One line per second: how many answers of each status."""
    buckets: dict[int, Counter[str]] = defaultdict(Counter)
    for a in answers:
        if since <= a.at < until:
            buckets[int(a.at - since)][str(a.status)] += 1
    return [f"{s:3d}s " + " ".join(f"{k}:{v}" for k, v in sorted(buckets[s].items())) for s in sorted(buckets)]


def run_faults(cluster: Cluster, plan: dict[str, Any], out: Path) -> dict[str, Any]:
    readers = Readers(base=cluster.balancer_url, articles=plan["articles"], subscribers=plan["subscribers"])
    readers.start()
    results: dict[str, Any] = {}
    time.sleep(20)  # every reader signed in and reading

    def phase(name: str, action: Any, *, settle: float = 20) -> None:
        began = time.time()
        timeline = action()
        time.sleep(settle)
        ended = time.time()
        results[name] = {
            "timeline": timeline,
            "during": _summary(readers.answers, began, ended),
            "per_second": per_second(readers.answers, began, ended),
        }
        cluster.say(f"fault {name}: {json.dumps(results[name]['during'])}")

    def before() -> dict[str, float]:
        time.sleep(20)
        return {}

    def stop_for(service: str, seconds: float) -> Any:
        def act() -> dict[str, float]:
            t0 = time.time()
            cluster.services[service].stop()
            t1 = time.time()
            time.sleep(seconds)
            cluster.services[service].start()
            t2 = time.time()
            return {"stopped_at_s": 0.0, "stop_took_s": round(t1 - t0, 1), "started_at_s": round(t2 - t0, 1)}

        return act

    phase("baseline", before, settle=0)
    phase("redis_stopped_20s", stop_for("redis", 20))
    phase("app1_stopped_20s", stop_for("app1", 20))
    phase("postgres_restarted", stop_for("postgres", 10), settle=30)
    readers.stop()
    results["after_all"] = _summary(readers.answers, time.time() - 15, time.time())
    (out / "faults.json").write_text(json.dumps(results, indent=2))
    return results


# --- load ---------------------------------------------------------------------------------------


def sample_memory(cluster: Cluster, samples: list[dict[str, Any]], stop: threading.Event, every: float) -> None:
    while not stop.is_set():
        by_service: dict[str, int] = defaultdict(int)
        for name, pid in cluster.processes():
            by_service[name] += rss_kib(pid)
        samples.append({"t": time.time(), "load": os.getloadavg(), "rss_kib": dict(by_service)})
        stop.wait(every)


# Resident memory is compared as the median of a window after the ramp-up against the median of the
# run's last window, not sample against sample: a sign-in holds Argon2's 100 MiB work area for the
# length of one hash (Django's default memory_cost), so a single sample taken mid-hash reads as
# +100 MiB of "growth" that is gone a moment later. The peak is reported beside it.
WARMED_UP_S, WINDOW_S = 60, 120


def memory_growth(samples: list[dict[str, Any]], began: float) -> dict[str, dict[str, float | None]]:
    end = samples[-1]["t"]
    early = [s for s in samples if WARMED_UP_S <= s["t"] - began < WARMED_UP_S + WINDOW_S] or samples[:1]
    late = [s for s in samples if s["t"] > end - WINDOW_S and s not in early] or samples[-1:]
    growth: dict[str, dict[str, float | None]] = {}
    for name in samples[-1]["rss_kib"]:
        first = statistics.median(s["rss_kib"].get(name, 0) for s in early) / 1024
        last = statistics.median(s["rss_kib"].get(name, 0) for s in late) / 1024
        peak = max(s["rss_kib"].get(name, 0) for s in samples) / 1024
        growth[name] = {
            "first_mib": round(first, 1),
            "last_mib": round(last, 1),
            "peak_mib": round(peak, 1),
            "growth_pct": round(100 * (last / first - 1), 1) if first else None,
        }
    return growth


def run_load(cluster: Cluster, plan: dict[str, Any], out: Path, *, seconds: int, users: int) -> dict[str, Any]:
    plan_file = out / "plan.json"
    plan_file.write_text(json.dumps(plan))
    samples: list[dict[str, Any]] = []
    stop = threading.Event()
    sampler = threading.Thread(target=sample_memory, args=(cluster, samples, stop, 5.0), daemon=True)
    began = time.time()
    sampler.start()
    done = subprocess.run(  # noqa: S603 - locust from this virtual environment
        [sys.executable, "-m", "locust", "-f", str(ROOT / "masthead/bench/loadtest/locustfile.py"), "--headless",
         "-u", str(users), "-r", str(max(1, users // 10)), "-t", f"{seconds}s", "--host", cluster.edge_url,
         "--csv", str(out / "locust"), "--only-summary", "--stop-timeout", "30", "--exit-code-on-error", "0"],
        env={**os.environ, "MASTHEAD_LOAD_PLAN": str(plan_file), "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, check=False, timeout=seconds + 600,
    )  # fmt: skip
    stop.set()
    sampler.join()
    (out / "locust.log").write_text(done.stdout + "\n" + done.stderr)
    with (out / "locust_stats.csv").open() as f:
        stats = list(csv.DictReader(f))
    exceptions: list[dict[str, str]] = []
    if (out / "locust_exceptions.csv").exists():
        with (out / "locust_exceptions.csv").open() as f:
            exceptions = list(csv.DictReader(f))
    growth = memory_growth(samples, began)
    result = {
        "seconds": round(time.time() - began),
        "users": users,
        "endpoints": [
            {"type": r["Type"], "name": r["Name"], "requests": int(r["Request Count"]), "failures": int(r["Failure Count"]),
             "p50_ms": r["50%"], "p99_ms": r["99%"], "rps": round(float(r["Requests/s"]), 2)}
            for r in stats
        ],
        "exceptions": exceptions,
        "memory": growth,
        # Every sample, so growth can be told from a warm-up or a one-off spike.
        "memory_series_mib": {
            name: [round(s["rss_kib"].get(name, 0) / 1024, 1) for s in samples] for name in samples[-1]["rss_kib"]
        },
        "sample_seconds": [round(s["t"] - began) for s in samples],
        "load_average": [s["load"] for s in samples],
        "cpus": os.cpu_count(),
    }  # fmt: skip
    (out / "load.json").write_text(json.dumps(result, indent=2))
    return result


def markdown(faults: dict[str, Any] | None, load: dict[str, Any] | None) -> str:
    lines: list[str] = []
    if faults:
        lines += ["| fault | requests | failed (status: count) | errors from → to (s after the fault) | "
                  "subscriber pages signed out | p50 / p99 ms |", "|---|---|---|---|---|---|"]  # fmt: skip
        for name, found in faults.items():
            if name == "after_all":
                continue
            d = found["during"]
            bad = {k: v for k, v in d["statuses"].items() if k != "200"}
            span = f"{d['failed_first_s']} → {d['failed_last_s']}" if d["failed"] else "—"
            lines.append(
                f"| {name} | {d['requests']} | {d['failed']} {bad or ''} | {span} | "
                f"{d['subscriber_pages_signed_out']} of {d['subscriber_pages']} | {d['p50_ms']} / {d['p99_ms']} |"
            )
    if load:
        lines += ["", f"Load: {load['seconds']} s, {load['users']} locust users, {load['cpus']} CPUs", "",
                  "| endpoint | requests | failures | p50 ms | p99 ms | req/s |", "|---|---|---|---|---|---|"]  # fmt: skip
        for e in load["endpoints"]:
            lines.append(
                f"| {e['type']} {e['name']} | {e['requests']} | {e['failures']} | {e['p50_ms']} | {e['p99_ms']} | {e['rps']} |"
            )
        lines += ["", f"exceptions: {len(load['exceptions'])}", "",
                  "| process group | RSS after warm-up (MiB, median) | at the end (median) | growth | peak |",
                  "|---|---|---|---|---|"]  # fmt: skip
        for name, m in sorted(load["memory"].items()):
            lines.append(f"| {name} | {m['first_mib']} | {m['last_mib']} | {m['growth_pct']}% | {m.get('peak_mib', '')} |")
        loads = load["load_average"]
        if loads:
            lines += ["", f"load average (1 min) during the run: min {min(x[0] for x in loads):.1f}, "
                      f"max {max(x[0] for x in loads):.1f}, mean {sum(x[0] for x in loads) / len(loads):.1f}"]  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m masthead.bench.scale_ops", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "var" / "scale-ops"))
    parser.add_argument("--faults", action="store_true")
    parser.add_argument("--load", type=int, default=0, metavar="SECONDS")
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--web-workers", type=int, default=1)
    args = parser.parse_args(argv)
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    cluster = Cluster(out / "cluster", narration_engine="espeak", renditions=False, web_workers=args.web_workers)
    faults = load = None
    try:
        cluster.start()
        readers = make_readers(cluster, subscribers=max(args.users, 10), members=400, joiners=200)
        plan = {**site_map(cluster), **readers, "maildir": str(cluster.var / "mailbox"), "stripe_url": cluster.stripe_url,
                "plan": "digital-monthly"}  # fmt: skip
        plan["audio"] = ready_audio(cluster)
        cluster.say(f"{len(plan['articles'])} articles, {len(plan['audio'])} narrations ready")
        for path in plan["articles"] + plan["sections"] + ["/"]:
            requests.get(cluster.edge_url + path, timeout=120)  # draws the renditions once, fills the caches
        # The load first: the faults leave Redis empty and the RQ workers may not survive its loss.
        if args.load:
            load = run_load(cluster, plan, out, seconds=args.load, users=args.users)
        if args.faults:
            faults = run_faults(cluster, plan, out)
            faults["after_all"]["services_down"] = cluster.failed()
            (out / "faults.json").write_text(json.dumps(faults, indent=2))
    finally:
        cluster.stop()
    print(markdown(faults, load))  # noqa: T201 - the report
    return 0


if __name__ == "__main__":
    sys.exit(main())
