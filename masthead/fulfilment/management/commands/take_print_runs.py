"""python manage.py take_print_runs: take the print run of every issue whose closing date has come.

Run it hourly from cron beside Wagtail's publish_scheduled; it is safe to run twice (a run is taken once).
--issue ID takes one issue's run, even after its cover date (a late run, e.g. after an outage).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from masthead.fulfilment.print_runs import PrintRunError, take_due_print_runs, take_print_run


class Command(BaseCommand):
    help = "Take the print runs whose closing date has come."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--issue", type=int, help="Take this IssuePage's run (by id).")

    def handle(self, *args: Any, issue: int | None = None, **options: Any) -> None:
        from masthead.newsroom.models import IssuePage

        if issue is not None:
            page = IssuePage.objects.filter(pk=issue).first()
            if page is None:
                raise CommandError(f"--issue {issue}: no issue page has that id.")
            try:
                runs = [take_print_run(issue=page)]
            except PrintRunError as exc:
                raise CommandError(str(exc)) from exc
        else:
            runs = take_due_print_runs()
        for run in runs:
            self.stdout.write(f"{run.issue_label}: {run.copies} copies, {run.missing} missing an address (run {run.pk})")
        if not runs:
            self.stdout.write("No print run is due.")
