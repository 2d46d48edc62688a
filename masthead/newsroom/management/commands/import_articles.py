"""manage.py import_articles PATH... — plain-text/Markdown articles into clean ArticlePages.

Thin: reads files, hands them to newsroom.services.import_articles (which
parses them all first and writes them in one transaction), reports.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from masthead.access.levels import AccessLevel
from masthead.newsroom.services import ImportFailed, import_articles


def read_text(path: Path) -> str:
    """The file's text, or a CommandError naming the file and the line of the first undecodable byte."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CommandError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise CommandError(f"{path}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x}); is this a binary file?") from exc


def expand(paths: list[Path]) -> list[Path]:
    """A directory stands for its .txt and .md files, in name order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in {".txt", ".md"} and p.is_file())
            if not found:
                raise CommandError(f"{path}: no .txt or .md files in this directory")
            files.extend(found)
        else:
            files.append(path)
    return files


class Command(BaseCommand):
    help = "Import article text files (headline, body, 'Written by [Name](#) on Month D, YYYY' byline) as ArticlePages."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="Article files, or directories of .txt/.md files")
        parser.add_argument("--section", help="Slug of the section for new articles (default: the first section)")
        parser.add_argument("--access", choices=AccessLevel.values, help="Access level (new articles: public)")
        parser.add_argument("--dry-run", action="store_true", help="Parse and check everything, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        sources = [(str(path), read_text(path)) for path in expand(options["paths"])]
        try:
            outcomes = import_articles(
                sources=sources, section_slug=options["section"], access=options["access"], dry_run=options["dry_run"]
            )
        except ImportFailed as exc:
            raise CommandError(str(exc)) from exc
        for outcome in outcomes:
            self.stdout.write(
                f"{outcome.name}: {outcome.action} {outcome.title!r} in {outcome.section} at {outcome.url} "
                f"by {', '.join(outcome.authors)}"
                + (f" (new author: {', '.join(outcome.new_authors)})" if outcome.new_authors else "")
                + f"; dropped {outcome.dropped_bylines} repeated byline(s), {outcome.dropped_advert_lines} advert line(s)"
            )
        if options["dry_run"]:
            self.stdout.write("dry run: nothing was written")
