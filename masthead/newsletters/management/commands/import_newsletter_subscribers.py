"""Subscribe a list of addresses to a newsletter: all or nothing, each bad line named.

manage.py import_newsletter_subscribers the-briefing readers.csv
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from masthead.newsletters import services
from masthead.newsletters.models import Newsletter


class Command(BaseCommand):
    help = __doc__.splitlines()[0] if __doc__ else ""

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("newsletter", help="the newsletter's slug")
        parser.add_argument("file", type=Path, help="CSV with an 'email' column, or one address per line")

    def handle(self, *args: Any, newsletter: str, file: Path, **options: Any) -> None:
        target = Newsletter.objects.filter(slug=newsletter).first()
        if target is None:
            raise CommandError(
                f"No newsletter with the slug {newsletter!r}: {', '.join(Newsletter.objects.values_list('slug', flat=True))}"
            )
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{file}: cannot read it as UTF-8 text ({exc})") from None
        try:
            counts = services.import_subscribers(newsletter=target, text=text)
        except services.ImportRejected as exc:
            raise CommandError(f"{file}: nothing imported:\n" + "\n".join(f"  {file}:{p}" for p in exc.problems)) from None
        except services.NewsletterError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(", ".join(f"{n} {what}" for what, n in counts.items()))
