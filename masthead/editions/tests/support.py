"""Helpers for the editions tests: a fast fake builder, real narrations spoken by a tone engine, edits."""

from __future__ import annotations

import json
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

from masthead.editions.builders import BuildError, Built
from masthead.editions.builders.content import IssueContent, Workspace
from masthead.testing import builders

# kind → how many builds ran, across every fake builder of a test.
BUILDS: Counter[tuple[int, str]] = Counter()


class FakeBuilder:
    """Writes a small file naming the articles it saw; can fail or crash half way on demand."""

    version = 1

    def __init__(self, kind: str, *, fail: BuildError | None = None, crash_after_writing: bool = False) -> None:
        self.kind = kind
        self.uses_narration = kind in ("epub", "audio")
        self.uses_text = kind not in ("audio", "print_cover")
        self.fail = fail
        self.crash_after_writing = crash_after_writing

    def build(self, content: IssueContent, workspace: Workspace) -> Built:
        BUILDS[(content.pk, self.kind)] += 1
        if self.fail is not None:
            raise self.fail
        out = workspace.path(f"fake.{self.kind}")
        out.write_text(json.dumps({"kind": self.kind, "titles": [a.title for a in content.articles]}))
        if self.crash_after_writing:
            raise RuntimeError("the builder died after writing part of its file")
        return Built(out, page_count=4)


def use_fake_builders(monkeypatch: Any, **overrides: FakeBuilder) -> None:
    BUILDS.clear()
    fakes = {kind: overrides.get(kind) or FakeBuilder(kind) for kind in ("epub", "pdf", "print", "print_cover", "audio")}
    monkeypatch.setattr("masthead.editions.services.builder_for", lambda kind: fakes[kind])


def narrate(article: Any) -> Any:
    """A real narration of the article's live revision (tone engine: fast, same pipeline and timings)."""
    from masthead.narration import services
    from masthead.narration.tests.support import CountingEngine

    return services.narrate(page_id=article.pk, engine=CountingEngine())


def edit_article(page: Any, *, paragraph: int = 0, text: str) -> Any:
    """Change one paragraph and publish, as an editor would (block ids kept)."""
    page = page.specific_class.objects.get(pk=page.pk)
    raw = [dict(block) for block in page.body.raw_data]
    paragraphs = [block for block in raw if block["type"] == "paragraph"]
    paragraphs[paragraph]["value"] = f"<p>{text}</p>"
    page.body = json.dumps(raw)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def second_issue(magazine: Any) -> Any:
    """Another published issue with an article of its own."""
    from datetime import date

    other = builders.make_article(
        magazine.sections["Culture"],
        "An Essay Elsewhere",
        authors=[magazine.author],
        paragraphs=["An essay in another issue."],
        on=date(2024, 3, 10),
    )
    return builders.make_issue(
        builders.ensure_issue_index(magazine.home), volume=40, number=5, cover_date=date(2024, 3, 11), articles=[other]
    )


def epub_entries(data: bytes) -> dict[str, bytes]:
    import io

    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return {info.filename: book.read(info) for info in book.infolist()}


def pdf_text(path: Path) -> str:
    import subprocess

    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def corners_without_marks(
    image: Any, page: dict[str, tuple[float, ...]], *, dpi: float, ink: int = 200
) -> list[tuple[float, float]]:
    """The trim corners of a rendered print page (greyscale, at ``dpi``) that lack either of their two crop marks.

    ``page`` holds the page's MediaBox, TrimBox and BleedBox. Each corner should have a horizontal mark beside
    the page and a vertical one above or below it, on its trim lines, beyond the bleed; a grey level below
    ``ink`` is something drawn (the marks are anti-aliased hairlines).
    """
    mm, scale = 72 / 25.4, dpi / 72
    mx0, _, _, my1 = page["MediaBox"]
    tx0, ty0, tx1, ty1 = page["TrimBox"]
    bx0, by0, bx1, by1 = page["BleedBox"]
    pixels = image.load()

    def px(x: float, y: float) -> tuple[int, int]:
        return round((x - mx0) * scale), round((my1 - y) * scale)

    missing = []
    for x, y, out_x, out_y in ((tx0, ty0, -1, -1), (tx1, ty0, 1, -1), (tx0, ty1, -1, 1), (tx1, ty1, 1, 1)):
        edge_x, edge_y = (bx0 if out_x < 0 else bx1), (by0 if out_y < 0 else by1)
        col, row = px(x, y)
        along_x = sorted((px(edge_x + out_x * 0.5 * mm, y)[0], px(edge_x + out_x * 6 * mm, y)[0]))
        along_y = sorted((px(x, edge_y + out_y * 0.5 * mm)[1], px(x, edge_y + out_y * 6 * mm)[1]))
        horizontal = min(pixels[c, r] for c in range(*along_x) for r in (row - 1, row, row + 1))
        vertical = min(pixels[c, r] for r in range(*along_y) for c in (col - 1, col, col + 1))
        if not (horizontal < ink and vertical < ink):
            missing.append((round(x, 1), round(y, 1)))
    return missing


def build_reading_pdf(issue: Any, monkeypatch: Any) -> Any:
    """The issue's reading PDF built for real (the other kinds faked): its EditionFile row, ready."""
    from masthead.editions import services
    from masthead.editions.models import EditionFile

    real = services.builder_for
    monkeypatch.setattr(services, "builder_for", lambda kind: real(kind) if kind == "pdf" else FakeBuilder(kind))
    (row,) = services.queue_issue(issue_id=issue.pk, kinds=["pdf"])
    row = services.build(edition_id=row.pk)
    assert row.status == EditionFile.Status.READY, row.error
    return row
