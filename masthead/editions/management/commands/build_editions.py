"""Build edition files now: ``manage.py build_editions --issue 40-7`` or ``--all`` (the back-issue backfill).

Only the kinds whose inputs changed are built (``--force`` builds them all
again); each file is built in this process with a progress bar, or handed to the
task workers with ``--queue``. Safe to interrupt and run again: an interrupted
build is put back in the queue, and finished files are not rebuilt.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from masthead.editions import services, tasks
from masthead.editions.models import EditionFile, Kind
from masthead.newsroom.models import IssuePage

BAR_WIDTH = 30


class Command(BaseCommand):
    help = "Build the EPUB, PDFs and audio edition of one issue (--issue SLUG) or of every published issue (--all)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--issue", action="append", default=[], metavar="SLUG", help="An issue's slug, e.g. 40-7 (repeatable)."
        )
        parser.add_argument("--all", action="store_true", help="Every published issue, newest first.")
        parser.add_argument("--current", action="store_true", help="The current issue (the latest published one).")
        parser.add_argument(
            "--except-current", action="store_true", help="With --all: every published issue but the current one."
        )
        parser.add_argument("--kind", action="append", choices=Kind.values, default=[], help="Only this kind (repeatable).")
        parser.add_argument("--force", action="store_true", help="Build even when the inputs have not changed.")
        parser.add_argument("--queue", action="store_true", help="Hand the builds to the task workers instead of building here.")

    def handle(self, *args: Any, **options: Any) -> None:
        slugs: list[str] = options["issue"]
        issues = IssuePage.objects.live().newest_first()
        current = IssuePage.objects.current()
        if options["current"]:
            if current is None:
                raise CommandError("--current: no issue is published yet.")
            slugs = [*slugs, current.slug]
        if not slugs and not options["all"]:
            raise CommandError("Name an issue with --issue SLUG or --current, or give --all for every published issue.")
        if slugs:
            found = {issue.slug: issue for issue in issues.filter(slug__in=slugs)}
            missing = [slug for slug in slugs if slug not in found]
            if missing:
                raise CommandError(f"No published issue with slug {', '.join(missing)}.")
            chosen = [found[slug] for slug in slugs]
        else:
            chosen = list(issues)
            if options["except_current"] and current is not None:
                chosen = [issue for issue in chosen if issue.pk != current.pk]
        kinds = options["kind"] or None
        rows: list[EditionFile] = []
        for issue in chosen:
            try:
                queued = services.queue_issue(issue_id=issue.pk, kinds=kinds, force=options["force"])
            except services.EditionError as exc:
                raise CommandError(str(exc)) from exc
            rows.extend(queued)
        # Builds left queued by an earlier, interrupted run are finished too.
        ids = {row.pk for row in rows}
        leftovers = EditionFile.objects.filter(issue__in=chosen, status=EditionFile.Status.QUEUED).exclude(pk__in=ids)
        if kinds:
            leftovers = leftovers.filter(kind__in=kinds)
        rows.extend(leftovers)
        if not rows:
            self.stdout.write("Nothing to build: every file matches its issue's content.")
            return
        if options["queue"]:
            for row in rows:
                tasks.build_edition_file.enqueue(row.pk)
            self.stdout.write(f"Queued {len(rows)} file(s) for the task workers.")
            return
        self._build(rows)

    def _build(self, rows: list[EditionFile]) -> None:
        failed = 0
        started = time.perf_counter()
        for done, row in enumerate(rows):
            self._bar(done, len(rows), f"{row.issue.slug} {row.kind}", started)
            result = services.build(edition_id=row.pk)
            if result.status == EditionFile.Status.FAILED:
                failed += 1
                self.stderr.write(f"\n{result.issue.slug} {result.get_kind_display()} failed: {result.error}")
        self._bar(len(rows), len(rows), "done", started)
        self.stdout.write("")
        built = len(rows) - failed
        self.stdout.write(f"Built {built} file(s){f', {failed} failed (see the Editions report)' if failed else ''}.")
        if failed:
            raise CommandError(f"{failed} build(s) failed.")

    def _bar(self, done: int, total: int, label: str, started: float) -> None:
        filled = BAR_WIDTH * done // max(total, 1)
        elapsed = time.perf_counter() - started
        line = f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total} {elapsed:5.0f}s {label[:40]:<40}"
        self.stdout.write(line, ending="")
        self.stdout.flush()
