"""manage.py setup_site — a new magazine's empty frame: the home page, the indexes and About, Contact, Privacy, Terms.

For a real site (the demo runs setup_demo, which does the same and adds content). Safe to run again:
what exists is left as the editors made it.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from masthead.newsroom import site_setup
from masthead.newsroom.info_pages import ensure_info_pages


class Command(BaseCommand):
    help = "Make the home page, the back-issue index and the About, Contact, Privacy and Terms pages (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            home = site_setup.ensure_home()
            site_setup.ensure_issue_index(home)
            pages = ensure_info_pages(home)
        self.stdout.write(f"site ready: {home.url or '/'} with {', '.join(page.url for page in pages)}")
