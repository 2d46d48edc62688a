"""Editions benchmark: a 40-article issue with images, built as EPUB, reading PDF and print PDF,
beside WeasyPrint rendering the very same HTML directly, in the same run.

    python -m masthead.bench editions        # rewrites its section of docs/benchmarks.md
    python -m masthead.bench.editions        # prints the markdown section

Each step is its own process so its peak RSS (ru_maxrss, MiB) is its own:
- site: migrate a temporary SQLite site and publish a 40-article issue (two photos per article,
  2400×1600 JPEGs with photographic noise, ~700 words each);
- epub / pdf / print: services.build of that kind, as the task worker runs it (content read,
  Wagtail renditions made on first use, layout, storage);
- reference: `python -m weasyprint` on the HTML the reading-PDF builder rendered, with the same
  images and fonts — the floor our builder stands on;
- stamp: a reader's download of the reading PDF and of the EPUB (pikepdf stamp, colophon swap),
  20 times each, through the real view and its gate;
- first: the first and second reading-PDF download in a fresh process (a worker just started),
  FRESH processes, each after one request for the issue page.
Targets (issue #9): EPUB ≤ 5 s, reading PDF ≤ 60 s, peak ≤ 500 MiB, stamped PDF ≤ 200 ms.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from masthead.bench.common import ROOT, SEED_ARTICLE, own_cpu_seconds, own_peak_mb

ARTICLES = 40
STAMPS = 20
FRESH = 10


def _standfirst(paragraph: str, limit: int = 160) -> str:
    """The opening of a paragraph as a standfirst, cut at a word (as the importer cuts one), never mid-word."""
    if len(paragraph) <= limit:
        return paragraph
    return paragraph[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:—–- ") + "…"


def _setup_django() -> None:
    os.environ["MASTHEAD_VAR_DIR"] = os.environ["BENCH_VAR_DIR"]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "masthead.settings")
    os.environ["DEBUG"] = "1"
    os.environ["STATIC_NO_MANIFEST"] = "1"
    os.environ["NARRATION_ON_PUBLISH"] = "0"
    os.environ["EDITIONS_ON_PUBLISH"] = "0"
    os.environ["LOG_LEVEL"] = "ERROR"
    import django

    django.setup()


def _photo(seed: int, size: tuple[int, int] = (2400, 1600)) -> Any:
    """A JPEG that compresses like a photograph (smooth gradients plus grain), not like a flat colour."""
    import io

    from django.core.files.images import ImageFile
    from PIL import Image, ImageFilter
    from wagtail.images import get_image_model

    rng = random.Random(seed)
    small = Image.new("RGB", (24, 16))
    small.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(24 * 16)])
    image = small.resize(size, Image.Resampling.BICUBIC)
    grain = Image.effect_noise(size, 40).convert("RGB").filter(ImageFilter.GaussianBlur(0.6))
    image = Image.blend(image, grain, 0.18)
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=85)
    return get_image_model().objects.create(title=f"Photo {seed}", file=ImageFile(buf, name=f"photo-{seed}.jpg"))


def child_site() -> dict[str, Any]:
    _setup_django()
    from datetime import date

    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from masthead.newsroom.importer import parse_article
    from masthead.testing import builders

    seed = parse_article(SEED_ARTICLE.read_text(encoding="utf-8"))
    from django.utils.html import strip_tags

    paragraphs = [strip_tags(b.value) for b in seed.blocks if b.kind == "paragraph"]
    home = builders.ensure_home()
    sections = [builders.ensure_section(home, title) for title in builders.SECTIONS]
    authors = [builders.ensure_author(home, name) for name in ("Angeline Tan", "Marcus Webb", "Ilse Brandt", "Tomás Ruiz")]
    articles = []
    for n in range(ARTICLES):
        body = [paragraphs[(n + i) % len(paragraphs)] for i in range(14)]
        figure = {
            "type": "image",
            "value": {"image": _photo(1000 + n).pk, "caption": f"Scene {n}", "credit": "Staff photographer"},
        }
        articles.append(
            builders.make_article(
                sections[n % len(sections)],
                f"{seed.title} ({n + 1})",
                authors=[authors[n % len(authors)]],
                dek=_standfirst(body[0]),
                paragraphs=body,
                access="subscribers" if n % 3 else "public",
                preview_after=2 if n % 3 else None,
                on=date(2024, 3, 25),
                hero_image=_photo(n),
                hero_caption=f"The lead photograph of article {n + 1}",
                hero_credit="AP Images",
                extra_blocks=[figure],
            )
        )
    issue = builders.make_issue(
        builders.ensure_issue_index(home), volume=40, number=7, cover_date=date(2024, 4, 8), articles=articles, cover=_photo(999)
    )
    issue.intro = "Forty stories, from the Kremlin to the Cascades.\nOur reporters spent a month on the road."
    issue.save_revision().publish()
    words = sum(len(" ".join(a.plain_text(a.full_blocks()).split()).split()) for a in articles)
    return {"issue_id": issue.pk, "articles": len(articles), "words": words, "images": 2 * len(articles) + 1}


def child_build() -> dict[str, Any]:
    """services.build of one kind, as the worker runs it."""
    _setup_django()
    from masthead.editions import services

    kind = os.environ["BENCH_KIND"]
    (row,) = services.queue_issue(issue_id=int(os.environ["BENCH_ISSUE_ID"]), kinds=[kind], force=True)
    started, cpu = time.perf_counter(), own_cpu_seconds()
    row = services.build(edition_id=row.pk)
    wall = time.perf_counter() - started
    cpu_s = own_cpu_seconds() - cpu
    result = {"status": row.status, "error": row.error, "wall_s": wall, "cpu_s": cpu_s, "peak_mb": own_peak_mb()}
    result.update(bytes=row.size_bytes, pages=row.page_count)
    if kind == "epub" and row.status == "ready":
        result["zip_reference"] = _zip_reference(Path(row.file.path))
    if kind == "pdf":
        result["html"] = _save_reference_input(int(os.environ["BENCH_ISSUE_ID"]))
    return result


def _zip_reference(epub: Path) -> dict[str, float]:
    """The floor of writing an EPUB: the built file's entries, already in memory, zipped again as they were
    (images and audio stored, text deflated) — no content read, no renditions, no EbookLib."""
    import zipfile

    with zipfile.ZipFile(epub) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    started, cpu = time.perf_counter(), own_cpu_seconds()
    with tempfile.TemporaryFile() as out, zipfile.ZipFile(out, "w") as copy:
        for info, data in entries:
            copy.writestr(info, data, compress_type=info.compress_type)
    return {"wall_s": time.perf_counter() - started, "cpu_s": own_cpu_seconds() - cpu}


def child_prepare() -> dict[str, Any]:
    """What the editions worker does when the photographs are uploaded (editions.images), per size."""
    _setup_django()
    from wagtail.images import get_image_model

    from masthead.editions import images
    from masthead.editions.builders.content import rendition_spec
    from masthead.newsroom.models import IssuePage

    issue = IssuePage.objects.get(pk=int(os.environ["BENCH_ISSUE_ID"]))
    ids = [issue.cover_image_id] + [i for article in issue.contents() for i in images.article_image_ids(article)]
    photos = list(get_image_model().objects.filter(pk__in=ids))
    result: dict[str, Any] = {"images": len(photos)}
    for px in images.SIZES:
        started, cpu = time.perf_counter(), own_cpu_seconds()
        for photo in photos:
            photo.get_rendition(rendition_spec(px))
        result[f"px{px}"] = {"wall_s": time.perf_counter() - started, "cpu_s": own_cpu_seconds() - cpu}
    result["peak_mb"] = own_peak_mb()
    return result


def _save_reference_input(issue_id: int) -> str:
    """The reading PDF's HTML with its images in a kept directory: the reference renders exactly this."""
    from django.template.loader import render_to_string

    from masthead.editions.builders import pdf
    from masthead.editions.builders.content import Workspace, issue_content
    from masthead.newsroom.models import IssuePage

    content = issue_content(IssuePage.objects.get(pk=issue_id))
    root = Path(os.environ["BENCH_VAR_DIR"]) / "reference"
    root.mkdir(exist_ok=True)
    workspace = Workspace(root)
    context = pdf._view(content, workspace, pdf.READING_IMAGE_PX, {})  # noqa: SLF001 -- the bench reuses the builder's own view
    context.update(css=pdf._css(content, bleed=0), with_cover=True, with_colophon=True)  # noqa: SLF001
    html = root / "issue.html"
    html.write_text(render_to_string("editions/pdf/issue.html", context))
    return str(html)


def child_stamp() -> dict[str, Any]:
    """A subscriber downloads the reading PDF and the EPUB through the real view, STAMPS times each."""
    _setup_django()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from masthead.newsroom.models import IssuePage

    issue = IssuePage.objects.get(pk=int(os.environ["BENCH_ISSUE_ID"]))
    staff = get_user_model().objects.create_user("bench-reader", "reader@example.com", "x", is_staff=True)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(staff)
    result: dict[str, Any] = {}
    for kind in ("pdf", "epub"):
        times = []
        for _ in range(STAMPS + 1):
            started = time.perf_counter()
            response: Any = client.get(f"/issues/{issue.slug}/{kind}/")
            size = len(b"".join(response.streaming_content) if response.streaming else response.content)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
        times = times[1:]  # the first pays for imports and font loading once per process
        result[kind] = {"median_ms": statistics.median(times), "max_ms": max(times), "bytes": size}
        result[f"{kind}_copy"] = _copy_reference(issue, kind)
    result["pdf_update"] = _update_only(issue)
    result["peak_mb"] = own_peak_mb()
    return result


def _built_path(issue: Any, kind: str) -> Path:
    from masthead.editions.services import current_files

    return Path(current_files(issue, [kind])[kind].file.path)


def _copy_reference(issue: Any, kind: str) -> dict[str, float]:
    """The reference for a download: copying the built file's bytes to another file, median of STAMPS."""
    import shutil

    path = _built_path(issue, kind)
    times = []
    for _ in range(STAMPS + 1):
        started = time.perf_counter()
        with path.open("rb") as source, tempfile.TemporaryFile() as out:
            shutil.copyfileobj(source, out, 1 << 16)
        times.append((time.perf_counter() - started) * 1000)
    return {"median_ms": statistics.median(times[1:]), "max_ms": max(times[1:])}


def _update_only(issue: Any) -> dict[str, float]:
    """The stamp alone (stamping.pdf_update: the incremental update), without the view, median of STAMPS.

    The first call reads the built file's plan with pikepdf (once per file and process, pdf_stamp.stamp_plan);
    every later reader's update is formatted from it. Both are reported.
    """
    from datetime import date

    from masthead.editions import pdf_stamp, stamping

    path = _built_path(issue, "pdf")
    pdf_stamp._PLANS.clear()  # noqa: SLF001 -- the bench measures the plan's first read too
    started, cpu = time.perf_counter(), own_cpu_seconds()
    stamping.pdf_update(path, email="first@example.com", on=date(2024, 4, 8))
    plan = {"plan_ms": (time.perf_counter() - started) * 1000, "plan_cpu_ms": (own_cpu_seconds() - cpu) * 1000}
    times, cpus, size = [], [], 0
    for n in range(STAMPS + 1):
        started, cpu = time.perf_counter(), own_cpu_seconds()
        size = len(stamping.pdf_update(path, email=f"reader{n}@example.com", on=date(2024, 4, 8)))
        times.append((time.perf_counter() - started) * 1000)
        cpus.append((own_cpu_seconds() - cpu) * 1000)
    return {"median_ms": statistics.median(times[1:]), "cpu_ms": statistics.median(cpus[1:]), "bytes": size, **plan}


def child_first() -> dict[str, Any]:
    """A just-started worker: its first reading-PDF download (the stamp layout read from beside the file), then a second.

    One request for the issue page comes first, so URLconf, middleware and templates are loaded as in a worker
    that has served something; the times run from the request to the last byte.
    """
    _setup_django()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from masthead.newsroom.models import IssuePage

    issue = IssuePage.objects.get(pk=int(os.environ["BENCH_ISSUE_ID"]))
    staff, _ = get_user_model().objects.get_or_create(
        username="bench-first", defaults={"email": "first@example.com", "is_staff": True}
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(staff)
    assert client.get(f"/issues/{issue.slug}/").status_code == 200
    result: dict[str, Any] = {}
    for label in ("first", "second"):
        started, cpu = time.perf_counter(), own_cpu_seconds()
        response: Any = client.get(f"/issues/{issue.slug}/pdf/")
        size = len(b"".join(response.streaming_content))
        result[f"{label}_ms"] = (time.perf_counter() - started) * 1000
        result[f"{label}_cpu_ms"] = (own_cpu_seconds() - cpu) * 1000
        assert response.status_code == 200 and size == int(response["Content-Length"]), response.status_code
    return result


CHILDREN = {"site": child_site, "build": child_build, "prepare": child_prepare, "stamp": child_stamp, "first": child_first}


# --- Runner -------------------------------------------------------------------------


def _run(command: list[str], env: dict[str, str]) -> tuple[dict[str, Any], float, float]:
    """Run a child to its end: its JSON figures (last stdout line), wall seconds, its own peak RSS (MiB) from wait4."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.PIPE)  # noqa: S603
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        err = proc.stderr.read().decode() if proc.stderr else ""
        out.seek(0)
        text = out.read().decode().strip()
    if os.waitstatus_to_exitcode(status):
        return {"error": (err or text).strip().splitlines()[-1:]}, wall, usage.ru_maxrss / 1024
    figures = json.loads(text.splitlines()[-1]) if text.startswith("{") or "\n{" in text else {}
    return figures, wall, usage.ru_maxrss / 1024


def _child(name: str, env: dict[str, str]) -> dict[str, Any]:
    figures, wall, peak = _run([sys.executable, "-m", "masthead.bench.editions", "--child", name], env)
    figures.setdefault("process_peak_mb", peak)
    figures.setdefault("process_wall_s", wall)
    print(f"bench editions {name} {env.get('BENCH_KIND', '')}: {json.dumps(figures)}", file=sys.stderr, flush=True)
    return figures


def run() -> str:
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="masthead-bench-editions-") as var_dir:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "BENCH_VAR_DIR": var_dir}
        for key in ("DATABASE_URL", "REDIS_URL", "TASKS_IMMEDIATE"):
            env.pop(key, None)
        site = _child("site", env)
        if "error" in site:
            return f"## Editions\n\nThe site could not be built: {site['error']}"
        env["BENCH_ISSUE_ID"] = str(site["issue_id"])
        # First the EPUB as if no photograph had been sized before (it makes its own renditions), then the sizing
        # the editions worker does at upload (editions.images), then every build as it runs after that.
        builds = {"epub": _child("build", {**env, "BENCH_KIND": "epub"})}
        prepare = _child("prepare", env)
        builds["epub-again"] = _child("build", {**env, "BENCH_KIND": "epub"})
        builds.update({kind: _child("build", {**env, "BENCH_KIND": kind}) for kind in ("pdf", "print")})
        reference: dict[str, Any] = {"error": ["the reading PDF build did not run"]}
        if "html" in builds["pdf"]:
            out = Path(var_dir) / "reference.pdf"
            ref, wall, peak = _run([sys.executable, "-m", "weasyprint", builds["pdf"]["html"], str(out)], env)
            reference = ref if "error" in ref else {"wall_s": wall, "peak_mb": peak, "bytes": out.stat().st_size}
            reference["pages"] = _pages(out) if out.exists() else 0
        stamp = _child("stamp", env)
        first = [_child("first", env) for _ in range(FRESH)]
    return report(site, builds, reference, stamp, load=load, prepare=prepare, first=first)


def _pages(path: Path) -> int:
    import pikepdf

    with pikepdf.open(path) as pdf:
        return len(pdf.pages)


def report(  # noqa: PLR0913 -- one figure set per measured process
    site: dict[str, Any],
    builds: dict[str, Any],
    reference: dict[str, Any],
    stamp: dict[str, Any],
    *,
    load: str,
    prepare: dict[str, Any] | None = None,
    first: list[dict[str, Any]] | None = None,
) -> str:
    from importlib.metadata import version

    lines = [
        "## Editions: a 40-article issue as EPUB, reading PDF and print PDF",
        "",
        f"{os.cpu_count()} CPUs, load average before the run {load}; WeasyPrint {version('weasyprint')}, "
        f"EbookLib {version('ebooklib')}, pikepdf {version('pikepdf')}. The issue: {site.get('articles')} articles, "
        f"{site.get('words', 0):,} words, {site.get('images')} photographs (2400×1600 JPEG). One run each, in this order, "
        "each in its own process; peak RSS is that process's ru_maxrss (MiB). Builds include reading the issue and storing "
        "the file, as the task worker does. On a shared machine wall time measures the neighbours; CPU s is the steadier figure.",
        "",
        "| what | wall s | CPU s | pages | size | peak RSS MiB | target |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    targets = {"epub": "≤ 5 s, ≤ 500 MiB", "pdf": "≤ 60 s, ≤ 500 MiB", "print": "≤ 500 MiB"}
    targets.update({"epub-again": targets["epub"], "pdf-again": targets["pdf"]})
    names = {
        "epub": "EPUB 3, photographs never sized before (the build makes its renditions)",
        "epub-again": "EPUB 3, photographs sized at upload (editions.images), as every build after that",
        "pdf": "reading PDF, PDF/UA-1 tagged (builder)",
        "print": "print interior, bleed + marks (builder)",
        "pdf-again": "reading PDF rebuilt (renditions exist)",
    }
    for kind, figures in builds.items():
        if figures.get("status") != "ready":
            lines.append(f"| {names[kind]} | failed: {figures.get('error')} | | | | | {targets[kind]} |")
            continue
        lines.append(
            f"| {names[kind]} | {figures['wall_s']:.1f} | {figures['cpu_s']:.1f} | {figures['pages'] or '–'} | "
            f"{figures['bytes'] / 1e6:.1f} MB | {figures['process_peak_mb']:.0f} | {targets[kind]} |"
        )
        if "zip_reference" in figures:
            ref = figures["zip_reference"]
            lines.append(
                f"| reference: the same EPUB's entries zipped again (no content, no EbookLib) | {ref['wall_s']:.1f} | "
                f"{ref['cpu_s']:.1f} | – | | | |"
            )
    if "error" in reference:
        lines.append(f"| reference: `python -m weasyprint` on the same HTML | failed: {reference['error']} | | | | | |")
    else:
        lines.append(
            f"| reference: `python -m weasyprint` on the same HTML, untagged | {reference['wall_s']:.1f} | – | "
            f"{reference['pages']} | {reference['bytes'] / 1e6:.1f} MB | {reference['peak_mb']:.0f} | |"
        )
    if prepare and "error" not in prepare:
        sizes = ", ".join(
            f"{key[2:]} px {value['cpu_s']:.1f} CPU s ({value['wall_s']:.1f} s wall)"
            for key, value in prepare.items()
            if key.startswith("px")
        )
        lines += [
            "",
            f"Sizing the {prepare['images']} photographs, as the editions worker does when they are uploaded "
            f"(one process, after the first EPUB build, so the EPUB size mostly exists already): {sizes}; "
            f"peak {prepare.get('process_peak_mb', prepare.get('peak_mb', 0)):.0f} MiB.",
        ]
    lines += ["", "Per-reader downloads through the real view (gate, stamp, response), median of 20 after one warm-up:", ""]
    if "error" in stamp:
        lines.append(f"Failed: {stamp['error']}")
    else:
        lines += [
            "| download | median ms | max ms | size | target |",
            "|---|---:|---:|---:|---|",
            f"| reading PDF, stamped (the built file streamed, then the reader's incremental update) | "
            f"{stamp['pdf']['median_ms']:.0f} | {stamp['pdf']['max_ms']:.0f} | {stamp['pdf']['bytes'] / 1e6:.1f} MB | ≤ 200 ms |",
        ]
        fresh = [figures for figures in first or [] if "error" not in figures]
        if fresh:
            first_ms = statistics.median(f["first_ms"] for f in fresh)
            lines.append(
                f"| reading PDF, the first download in a fresh process (median of {len(fresh)} processes; "
                f"{statistics.median(f['first_cpu_ms'] for f in fresh):.0f} ms CPU; the second: "
                f"{statistics.median(f['second_ms'] for f in fresh):.0f} ms) | {first_ms:.0f} | "
                f"{max(f['first_ms'] for f in fresh):.0f} | | ≤ 200 ms |"
            )
        if "pdf_copy" in stamp:
            lines.append(
                f"| reference: copying the built PDF's bytes to a file | {stamp['pdf_copy']['median_ms']:.0f} | "
                f"{stamp['pdf_copy']['max_ms']:.0f} | | |"
            )
        if "pdf_update" in stamp:
            update = stamp["pdf_update"]
            lines.append(
                f"| the stamp alone (`stamping.pdf_update`, no view, the file's plan cached): {update['cpu_ms']:.1f} ms CPU | "
                f"{update['median_ms']:.1f} | | {update['bytes'] / 1e3:.0f} kB appended | |"
            )
            if "plan_ms" in update:
                lines.append(
                    f"| the file's plan, read once per built file and process (pikepdf): {update['plan_cpu_ms']:.0f} ms CPU | "
                    f"{update['plan_ms']:.0f} | | | |"
                )
        lines.append(
            f"| EPUB, colophon swapped | {stamp['epub']['median_ms']:.0f} | {stamp['epub']['max_ms']:.0f} | "
            f"{stamp['epub']['bytes'] / 1e6:.1f} MB | |"
        )
        if "epub_copy" in stamp:
            lines.append(
                f"| reference: copying the built EPUB's bytes to a file | {stamp['epub_copy']['median_ms']:.0f} | "
                f"{stamp['epub_copy']['max_ms']:.0f} | | |"
            )
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    if len(argv) == 2 and argv[0] == "--child":
        print(json.dumps(CHILDREN[argv[1]]()))
        return
    print(run())


if __name__ == "__main__":
    main(sys.argv[1:])
