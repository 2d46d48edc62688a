"""Narrate published articles now, in this process (the archive, one page, or what is missing).

    python manage.py narrate --all [--engine espeak]
    python manage.py narrate --page 12 --page 14

Runs the same pipeline as the background jobs, so it is safe beside a worker:
finished audio and cached paragraphs are reused, a job another process holds is skipped.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from masthead.narration import services
from masthead.narration.engines import EngineError, get_engine
from masthead.newsroom.models import ArticlePage


class ProgressBar:
    """A one-line bar on a terminal; plain lines when stderr is a file or a pipe (logs, CI)."""

    def __init__(self, total: int, stream: Any = None, width: int = 30) -> None:
        self.total, self.stream, self.width = max(total, 1), stream or sys.stderr, width
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.started = time.monotonic()

    def update(self, done: int, label: str, fraction: float = 0.0) -> None:
        if not self.tty:
            return
        share = min(1.0, (done + fraction) / self.total)
        filled = int(share * self.width)
        elapsed = time.monotonic() - self.started
        line = f"\r[{'#' * filled}{'.' * (self.width - filled)}] {done}/{self.total} {elapsed:5.0f}s {label[:40]:<40}"
        self.stream.write(line)
        self.stream.flush()

    def line(self, text: str) -> None:
        if self.tty:
            self.stream.write("\r" + " " * (self.width + 60) + "\r")
        self.stream.write(text + "\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "Narrate published articles (the whole archive with --all, or --page ID)."

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--all", action="store_true", help="every live article")
        which.add_argument("--page", type=int, action="append", metavar="ID", help="an article id (repeatable)")
        parser.add_argument("--engine", choices=["piper", "espeak"], help="override NARRATION_ENGINE")

    def handle(self, *args: Any, **options: Any) -> None:
        pages = ArticlePage.objects.live().newest_first()
        if options["page"]:
            pages = pages.filter(pk__in=options["page"])
            missing = set(options["page"]) - set(pages.values_list("pk", flat=True))
            if missing:
                raise CommandError(f"no live article with id {', '.join(map(str, sorted(missing)))}")
        try:
            engine = get_engine(options["engine"])
            if hasattr(engine, "load"):
                engine.load()
        except EngineError as exc:
            raise CommandError(f"engine {options['engine'] or 'default'}: {exc.message}") from exc

        jobs = [(page, variant) for page in pages for variant in services.variants_for(page)]
        bar = ProgressBar(len(jobs), self.stderr._out)
        counts = {"ready": 0, "failed": 0, "running": 0, "queued": 0}
        seconds = 0
        for done, (page, variant) in enumerate(jobs):
            label = f"{page.title} ({variant})"
            bar.update(done, label)

            def progress(n: int, total: int, d: int = done, lab: str = label) -> None:
                bar.update(d, lab, n / total)

            narration = services.narrate(page_id=page.pk, variant=variant, engine=engine, progress=progress)
            counts[narration.status] = counts.get(narration.status, 0) + 1
            seconds += narration.duration_ms // 1000 if narration.status == "ready" else 0
            if narration.status == "failed":
                bar.line(f"failed: {label}: {narration.error}")
            elif not bar.tty:
                bar.line(f"{done + 1}/{len(jobs)} {narration.status}: {label}")
        bar.line("")
        self.stdout.write(
            f"{counts['ready']} ready, {counts['failed']} failed, {counts['running']} held by another worker; "
            f"{seconds // 60} min {seconds % 60} s of audio"
        )
        if counts["failed"]:
            raise CommandError(f"{counts['failed']} narration(s) failed; see above")
