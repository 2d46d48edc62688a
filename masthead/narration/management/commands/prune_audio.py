"""Delete narration audio no reader can be served any more (superseded versions, unused paragraph clips).

    python manage.py prune_audio [--grace-days 30] [--dry-run]

Run it from cron (daily is plenty). See narration/retention.py for what always stays.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from masthead.narration import retention


class Command(BaseCommand):
    help = "Delete superseded narrations, unused paragraph clips and stray audio files older than the grace period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--grace-days",
            type=int,
            default=retention.DEFAULT_GRACE.days,
            help="Keep anything changed more recently than this (podcast apps may still fetch old enclosure URLs).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Only report what would be deleted.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["grace_days"] < 0:
            raise CommandError(f"--grace-days must be 0 or more; got {options['grace_days']}")
        pruned = retention.prune(grace=timedelta(days=options["grace_days"]), dry_run=options["dry_run"])
        verb = "Would delete" if options["dry_run"] else "Deleted"
        self.stdout.write(
            f"{verb} {pruned.narrations} superseded narrations, {pruned.clips} unused clips and "
            f"{len(pruned.files)} files ({pruned.bytes / 1e6:.1f} MB)."
        )
