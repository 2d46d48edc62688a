"""manage.py setup_house_ads — the demo's house ads (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from masthead.ads.demo import setup_house_ads


class Command(BaseCommand):
    help = "Create the demo magazine's house ads (one per slot) if they are not there yet."

    def handle(self, *args: Any, **options: Any) -> None:
        created = setup_house_ads()
        self.stdout.write(f"house ads: {created} created")
