"""manage.py setup_site — a new, empty magazine and its first admin (docs/deploy.md).

    manage.py setup_site --name "The Northern Review" --admin-email editor@example.com \
        --section Politics --section Culture

Safe to run again: what exists is left alone, so it can sit in a provisioning script.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email

from masthead.newsroom.site_setup import setup_site


class Command(BaseCommand):
    help = "Create an empty magazine: home page, sections, back-issues index, the site's address and name, a first admin."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="the magazine's name, shown on every page, feed and email")
        parser.add_argument("--admin-email", required=True, help="the first admin's email address")
        parser.add_argument("--admin-username", default="admin", help="the first admin's user name (default: admin)")
        parser.add_argument("--section", action="append", default=[], metavar="TITLE", help="a section (repeatable)")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["name"].strip()
        if not name:
            raise CommandError("--name must not be empty")
        if len(name) > 120:
            raise CommandError(f"--name must be at most 120 characters; got {len(name)}")
        try:
            validate_email(options["admin_email"])
        except ValidationError:
            raise CommandError(f"--admin-email is not an email address: {options['admin_email']!r}") from None
        username = options["admin_username"].strip()
        if not username or len(username) > 150:
            raise CommandError("--admin-username must be 1 to 150 characters")
        sections = [title.strip() for title in options["section"]]
        if any(not title or len(title) > 255 for title in sections):
            raise CommandError("--section titles must be 1 to 255 characters")
        if len({t.lower() for t in sections}) != len(sections):
            raise CommandError("--section names a section twice")

        made = setup_site(name=name, sections=sections, admin_username=username, admin_email=options["admin_email"])

        self.stdout.write(f"magazine: {made.name} at {settings.SITE_URL}/")
        self.stdout.write(f"sections: {', '.join(made.sections) or '(none yet: add them in the admin under Pages)'}")
        if made.admin_password:
            self.stdout.write(
                f"admin: {settings.SITE_URL}/admin/  username: {made.admin_username}  password: {made.admin_password}\n"
                "  (shown this once and stored nowhere: sign in and change it under Account settings)"
            )
        else:
            self.stdout.write(f"admin: {made.admin_username} already existed; its password was left unchanged")
