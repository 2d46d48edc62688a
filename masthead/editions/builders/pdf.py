"""The PDFs, through WeasyPrint (CSS paged media): the reading edition, and the printer's interior and cover.

One HTML document (templates/editions/pdf/issue.html) and one stylesheet serve
both: the reading PDF adds the cover as page 1 and is tagged (PDF/UA-1); the
print interior adds the bleed, is padded with blank pages to a multiple of four
(saddle stitching) and gets its crop marks — its cover is its own four-page file.

Measured limits that shape this (shared/research/editions.md §3–4): WeasyPrint's
own ``marks: crop`` are drawn inside the bleed without enlarging the MediaBox, so
the print files are laid out with ``bleed`` only and builders.marks then adds a
slug around the bleed and draws the marks there (TrimBox = trim, BleedBox = trim +
bleed, MediaBox = bleed + slug); images are not converted to CMYK (the preflight
says so rather than pretend); multi-column layout is simple (no column breaks), so
figures stay in flow.

WeasyPrint may only read local files the build put in the workspace and the
fonts directory: every other URL is refused, so article HTML can never make a
build fetch from the network.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pikepdf
from django.conf import settings
from django.template.loader import render_to_string

from masthead.editions.builders import BuildError, Built
from masthead.editions.builders.content import ImageRef, IssueContent, Workspace
from masthead.editions.builders.marks import add_crop_marks
from masthead.editions.builders.preflight import font_report, image_report

FONTS_DIR = Path(settings.PACKAGE_DIR) / "static" / "fonts"
READING_IMAGE_PX = 1600
PRINT_IMAGE_PX = 3000
MM = 72 / 25.4


def css_string(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def trim_size() -> tuple[float, float]:
    return float(settings.EDITIONS_TRIM_WIDTH_MM), float(settings.EDITIONS_TRIM_HEIGHT_MM)


def _fetcher_for(allowed: list[Path]) -> Any:
    from urllib.parse import unquote, urlsplit

    from weasyprint.urls import URLFetcher

    roots = [str(path.resolve()) for path in allowed]

    def fetch(self: Any, url: str, headers: Any = None) -> Any:
        if url.startswith("file://"):
            path = str(Path(unquote(urlsplit(url).path)).resolve())
            if any(path == root or path.startswith(root + "/") for root in roots):
                return URLFetcher.fetch(self, url, headers)
        # WeasyPrint logs this and leaves the resource out; the build goes on.
        raise ValueError(f"edition builds read only their own files, not {url[:80]!r}")

    # type() rather than a class statement: WeasyPrint is untyped and mypy --strict refuses to subclass Any.
    local_files_only: Any = type("LocalFilesOnly", (URLFetcher,), {"fetch": fetch})
    return local_files_only(allowed_protocols={"file"})


def _image_view(workspace: Workspace, ref: ImageRef | None, max_px: int, placed: dict[str, str]) -> dict[str, Any] | None:
    if ref is None:
        return None
    local = workspace.image(ref, max_px)
    src = local.path.resolve().as_uri()
    placed[src] = ref.alt or f"image {ref.image_id}"
    return {"src": src, "alt": ref.alt, "width": local.width, "height": local.height}


def _view(content: IssueContent, workspace: Workspace, max_px: int, placed: dict[str, str]) -> dict[str, Any]:
    articles = []
    for article in content.articles:
        blocks = []
        for block in article.blocks:
            view: dict[str, Any] = {
                "kind": block.kind,
                "html": block.html,
                "text": block.text,
                "attribution": block.attribution,
                "caption": block.caption,
                "credit": block.credit,
                "url": block.url,
            }
            if block.kind == "figure":
                image = _image_view(workspace, block.image, max_px, placed)
                if image is None:
                    continue
                view.update(src=image["src"], alt=image["alt"])
            blocks.append(view)
        articles.append(
            {
                "pk": article.pk,
                "title": article.title,
                "dek": article.dek,
                "date": article.date,
                "authors": article.authors,
                "byline": article.byline,
                "section": article.section,
                "hero": _image_view(workspace, article.hero, max_px, placed),
                "hero_caption": article.hero_caption,
                "hero_credit": article.hero_credit,
                "blocks": blocks,
            }
        )
    return {
        "issue": content,
        "articles": articles,
        "sections": [{"title": g.title, "articles": [a for a in articles if a["section"] == g.title]} for g in content.sections],
        "letter": [p.strip() for p in content.editors_letter.split("\n") if p.strip()],
        "cover": _image_view(workspace, content.cover, max_px, placed),
    }


def _css(content: IssueContent, *, bleed: float) -> str:
    width, height = trim_size()
    return render_to_string(
        "editions/pdf/issue.css",
        {
            "fonts_css": (FONTS_DIR / "fonts.css").resolve().as_uri(),
            "trim_width": width,
            "trim_height": height,
            "bleed": bleed,
            "magazine_css": css_string(content.magazine),
            "issue_css": css_string(
                f"{content.label} · {content.cover_date:%B} {content.cover_date.day}, {content.cover_date.year}"
            ),
            # The cover fills trim + bleed: it is drawn from the bleed's corner.
            "cover_width": width + 2 * bleed,
            "cover_height": height + 2 * bleed,
            "cover_pad_top": 12 + bleed,
            "cover_pad_bottom": 16 + bleed,
        },
    )


def render_pdf(html: str, out: Path, workspace: Workspace, *, tagged: bool, jpeg_quality: int | None = None) -> Any:
    """HTML → PDF with WeasyPrint; returns the rendered document (for the preflight)."""
    from weasyprint import HTML

    options: dict[str, Any] = {}
    if tagged:
        options["pdf_variant"] = "pdf/ua-1"
    if jpeg_quality:
        options["jpeg_quality"] = jpeg_quality
    try:
        document = HTML(string=html, base_url=str(workspace.root), url_fetcher=_fetcher_for([workspace.root, FONTS_DIR])).render(
            **options
        )
        document.write_pdf(str(out), **options)
    except (OSError, MemoryError) as exc:
        raise BuildError(f"WeasyPrint could not write the PDF: {exc}", retryable=True) from exc
    return document


def pad_to_multiple(path: Path, multiple: int) -> tuple[int, int]:
    """Append blank pages (same boxes as the last page) until the count is a multiple; returns (before, after)."""
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        before = len(pdf.pages)
        last = pdf.pages[-1]
        while len(pdf.pages) % multiple:
            blank = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=last.MediaBox, Resources=pikepdf.Dictionary())
            for box in ("/TrimBox", "/BleedBox", "/CropBox"):
                if box in last:
                    blank[box] = last[box]
            pdf.pages.append(pikepdf.Page(blank))
        after = len(pdf.pages)
        if after != before:
            pdf.save(path)
    return before, after


class ReadingPdfBuilder:
    version = 2
    uses_narration = False
    uses_text = True

    def build(self, content: IssueContent, workspace: Workspace) -> Built:
        if not content.articles:
            raise BuildError("the issue has no published articles to put in a PDF", retryable=False)
        started = time.perf_counter()
        placed: dict[str, str] = {}
        context = _view(content, workspace, READING_IMAGE_PX, placed)
        context.update(css=_css(content, bleed=0), with_cover=True, with_colophon=True)
        out = workspace.path(f"{content.slug}.pdf")
        document = render_pdf(render_to_string("editions/pdf/issue.html", context), out, workspace, tagged=True, jpeg_quality=85)
        fonts = font_report(out)
        return Built(
            out,
            page_count=len(document.pages),
            details={"fonts": fonts, "render_seconds": round(time.perf_counter() - started, 2)},
        )


class PrintInteriorBuilder:
    version = 3  # 3: crop marks outside the bleed, on a slug
    uses_narration = False
    uses_text = True

    def build(self, content: IssueContent, workspace: Workspace) -> Built:
        if not content.articles:
            raise BuildError("the issue has no published articles to print", retryable=False)
        placed: dict[str, str] = {}
        context = _view(content, workspace, PRINT_IMAGE_PX, placed)
        bleed = float(settings.EDITIONS_BLEED_MM)
        context.update(css=_css(content, bleed=bleed), with_cover=False, with_colophon=False)
        out = workspace.path(f"{content.slug}-print.pdf")
        document = render_pdf(render_to_string("editions/pdf/issue.html", context), out, workspace, tagged=False)
        laid_out, padded = pad_to_multiple(out, 4)
        add_crop_marks(out, bleed_mm=bleed)
        return Built(
            out,
            page_count=padded,
            details=_preflight(out, document, placed, laid_out=laid_out, padded=padded, bleed=bleed),
        )


class PrintCoverBuilder:
    version = 2  # 2: crop marks outside the bleed, on a slug
    uses_narration = False
    # The cover shows the issue and its cover lines (headlines), not article text.
    uses_text = False

    def build(self, content: IssueContent, workspace: Workspace) -> Built:
        placed: dict[str, str] = {}
        bleed = float(settings.EDITIONS_BLEED_MM)
        context = {
            "issue": content,
            "cover": _image_view(workspace, content.cover, PRINT_IMAGE_PX, placed),
            "css": _css(content, bleed=bleed) + f"\n.cover {{ margin: -{bleed}mm; break-after: page; }}",
        }
        out = workspace.path(f"{content.slug}-cover.pdf")
        document = render_pdf(render_to_string("editions/pdf/cover.html", context), out, workspace, tagged=False)
        pages = len(document.pages)
        add_crop_marks(out, bleed_mm=bleed)
        return Built(out, page_count=pages, details=_preflight(out, document, placed, laid_out=pages, padded=pages, bleed=bleed))


def _preflight(out: Path, document: Any, placed: dict[str, str], *, laid_out: int, padded: int, bleed: float) -> dict[str, Any]:
    width, height = trim_size()
    images = image_report(document, placed)
    fonts = font_report(out)
    return {
        "trim_mm": [width, height],
        "bleed_mm": bleed,
        "pages_laid_out": laid_out,
        "pages": padded,
        "blank_pages_added": padded - laid_out,
        "images": images,
        "low_resolution_images": [image for image in images if image["ppi"] < settings.EDITIONS_MIN_PPI],
        "fonts": fonts,
        "fonts_not_embedded": [font for font in fonts if not font["embedded"]],
        "colour": "RGB images and colours: convert to the printer's CMYK profile or confirm they accept RGB (PDF/X-4 workflow).",
    }
