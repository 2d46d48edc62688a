"""manage.py analyze_database — refresh the query planner's statistics (daily timer / cron; docs/deploy.md)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from masthead.core.db import refresh_statistics


class Command(BaseCommand):
    help = "Refresh the database's query-planner statistics (SQLite ANALYZE, PostgreSQL ANALYZE). Run daily."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        refresh_statistics()
        self.stdout.write(f"Planner statistics refreshed in {time.monotonic() - started:.2f} s.")
