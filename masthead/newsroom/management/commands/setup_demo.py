"""manage.py setup_demo — build the demo magazine (idempotent) and print the admin login."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from masthead.newsroom.demo.build import setup_demo, warm_renditions


class Command(BaseCommand):
    help = "Build the demo magazine: sections, writers, the seed article, 35 written demo articles, 2 issues, an admin user."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-renditions", action="store_true", help="Skip drawing image sizes ahead of the first visit")

    def handle(self, *args: Any, **options: Any) -> None:
        summary = setup_demo()
        if not options["no_renditions"]:
            made = warm_renditions()
            if made:
                self.stdout.write(f"drew {made} image renditions")
        self.stdout.write(
            f"demo magazine: {summary.articles} articles ({summary.created_articles} new), {summary.sections} sections, "
            f"{summary.authors} authors, {summary.issues} issues"
        )
        if summary.admin_password:
            self.stdout.write(
                f"admin login: {settings.SITE_URL}/admin/  username: {summary.admin_username}  "
                f"password: {summary.admin_password}  ({summary.admin_note})"
            )
        else:
            self.stdout.write(
                f"admin login: {settings.SITE_URL}/admin/  username: {summary.admin_username}  ({summary.admin_note})"
            )
