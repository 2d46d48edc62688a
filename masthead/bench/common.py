"""Pieces every benchmark section shares: machine facts, a throwaway data
directory, starting and stopping servers, wrk, peak memory, and rewriting one
generated section of docs/benchmarks.md.

Benchmarks are measurements, not tests: nothing here asserts a speed. Each
section module (masthead/bench/<name>.py) exposes `run() -> str` (markdown);
the runner puts it between `<!-- bench:<name> -->` and `<!-- /bench:<name> -->`.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
BENCH_DIR = ROOT / "var" / "bench"
DOC = ROOT / "docs" / "benchmarks.md"
# The seed article (the model customer's "Kremlin talks" page) the narration and editions benches use.
SEED_ARTICLE = ROOT / "masthead" / "newsroom" / "tests" / "data" / "kremlin-talks.txt"


def own_peak_mb() -> float:
    """This process's peak resident set so far (ru_maxrss, MiB): each bench step runs in its own process."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def own_cpu_seconds() -> float:
    """CPU seconds of this process: on a shared machine wall time mostly measures the neighbours."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- Machine facts -----------------------------------------------------------


def _first_line(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "not found"
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0] if text else "not found"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _pkg_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def machine_facts() -> str:
    """A markdown line or two that says where and when the figures were taken."""
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    versions = ", ".join(f"{name} {_pkg_version(name)}" for name in ("Django", "wagtail", "granian", "gunicorn", "django-redis"))
    return (
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} CPUs ({_cpu_model()}), "
        f"{platform.system()} {platform.release()}, load average before the run {load}.  \n"
        f"Python {platform.python_version()}, {versions}; {_first_line(['nginx', '-v'])}; "
        f"{_first_line(['wrk', '-v']).split(' [')[0]}."
    )


# --- Ports and processes ----------------------------------------------------


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        # As servers do, so a port in TIME_WAIT from a previous run counts as free.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_for_http(url: str, *, timeout: float = 60.0, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server for {url} exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback, our own server)
                response.read()
                return
        except Exception as exc:  # noqa: BLE001 (any failure means "not up yet")
            last = exc
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s: {last}")


def fetch(url: str) -> tuple[bytes, dict[str, str]]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback, our own server)
        # Header names lower-cased: granian sends them that way, gunicorn does not.
        return response.read(), {k.lower(): v for k, v in response.headers.items()}


@dataclass
class Server:
    """A process group we started; stopped by its own id, never by name."""

    name: str
    proc: subprocess.Popen[bytes]
    log: Path

    def pids(self) -> list[int]:
        found, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            try:
                for task in Path(f"/proc/{pid}/task").iterdir():
                    todo.extend(int(c) for c in (task / "children").read_text().split())
            except OSError:
                continue
        return found

    def peak_rss_mb(self) -> tuple[float, float]:
        """(sum over processes, largest process) of VmHWM: each process's peak resident set."""
        peaks = []
        for pid in self.pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
            if match:
                peaks.append(int(match.group(1)) / 1024)
        return (sum(peaks), max(peaks)) if peaks else (0.0, 0.0)

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=5)


def start(name: str, cmd: list[str], *, env: dict[str, str], cwd: Path = ROOT) -> Server:
    log = BENCH_DIR / f"{name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    return Server(name, proc, log)


# --- Load -------------------------------------------------------------------


@dataclass
class WrkResult:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int
    raw: str = field(repr=False)


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def app_env(var_dir: Path | str, *, port: int | None = None, **overrides: str) -> dict[str, str]:
    """A production-like Masthead process for a benchmark: DEBUG off, its own var dir, and none of the
    caller's scale-out or test switches (DATABASE_URL, REDIS_URL, ...) unless passed in `overrides`."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "STATIC_NO_MANIFEST", "TASKS_IMMEDIATE"}}
    env.update(
        DJANGO_SETTINGS_MODULE="masthead.settings",
        DEBUG="0",
        SECRET_KEY=env.get("BENCH_SECRET_KEY", secrets.token_urlsafe(50)),
        MASTHEAD_VAR_DIR=str(var_dir),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="ERROR",
        PYTHONDONTWRITEBYTECODE="1",
    )
    if port is not None:
        env["SITE_URL"] = f"http://127.0.0.1:{port}"
    env.update(overrides)
    return env


def wrk(
    url: str, *, seconds: int = 10, connections: int = 64, threads: int = 2, warmup: int = 3, headers: Sequence[str] = ()
) -> WrkResult:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed: run `scripts/bootstrap.sh bench` (apt package wrk)")
    base = ["wrk", f"-t{threads}", f"-c{connections}", *(arg for header in headers for arg in ("-H", header))]
    if warmup:
        subprocess.run([*base, f"-d{warmup}s", url], capture_output=True, check=True, timeout=120)
    out = subprocess.run(
        # A generous timeout: a slow uncached page counts in the latency, not as a lost request.
        [*base, f"-d{seconds}s", "--timeout", "10s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 120,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    dist = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out):
        errors += int(match.group(1))
    if match := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(x) for x in match.groups())
    return WrkResult(rps, _ms(dist["50"]), _ms(dist["99"]), errors, out)


# --- docs/benchmarks.md -----------------------------------------------------

DOC_HEADER = """# Benchmarks

Generated by `make bench` (`python -m masthead.bench [site|members|narration ...]`).
Each section below is rewritten between its markers by its module in
masthead/bench/; text outside the markers is kept. Figures are from one run on
the machine named in each section, always beside a reference measured in the same run.
"""


def write_section(name: str, markdown: str, *, doc: Path = DOC) -> None:
    """Replace the text between this section's markers, or append the section."""
    begin, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    text = doc.read_text() if doc.exists() else DOC_HEADER
    block = f"{begin}\n{markdown.strip()}\n{end}"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = head + block + tail
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text)
