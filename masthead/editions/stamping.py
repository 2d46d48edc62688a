"""Per-reader copies, made at download time from the one built file.

PDF: a one-line strip ("Prepared for reader@example.com …") is laid out once by
WeasyPrint in the edition's own embedded font, then placed on every page but
the cover as a shared Form XObject with pikepdf, wrapped in /Artifact so the
tagged (PDF/UA) structure stays valid; the reader is also written into the
document info. No page is re-rendered.

EPUB: the colophon is the last entry of the zip (builders.epub), so the copy is
the built file with its tail replaced: zipfile in append mode is pointed at the
colophon's local header, writes the reader's colophon there and a new central
directory after it. Every other entry is copied byte for byte.

Both are deterrents, not DRM: they make a shared copy traceable to its reader.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import zipfile
from datetime import date
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import IO, Any, BinaryIO

import pikepdf

from masthead.editions.builders.epub import COLOPHON_NAME, colophon_xhtml

MM = 72 / 25.4
STAMP_WIDTH_MM = 150
STAMP_HEIGHT_MM = 5
STAMP_BOTTOM_MM = 8


def reader_line(email: str, on: date) -> str:
    return f"Prepared for {email} on {on.isoformat()}. Please do not share this copy."


@lru_cache(maxsize=1)
def _fonts_css() -> str:
    """Only the faces the strip uses: WeasyPrint loads every declared face on each render (the whole
    fonts.css cost seconds per download)."""
    import re

    from masthead.editions.builders.pdf import FONTS_DIR

    css = (FONTS_DIR / "fonts.css").read_text()
    faces = [rule for rule in re.findall(r"@font-face \{[^}]*\}", css) if "Source Sans 3" in rule and "-400-normal" in rule]
    return "".join(faces).replace("url(./", f"url({FONTS_DIR.resolve().as_uri()}/")


def _stamp_pdf_bytes(line: str) -> bytes:
    from weasyprint import HTML

    from masthead.editions.builders.pdf import FONTS_DIR, _fetcher_for

    html = (
        f'<html lang="en"><head><style>{_fonts_css()}'
        f"@page {{ size: {STAMP_WIDTH_MM}mm {STAMP_HEIGHT_MM}mm; margin: 0; }}"
        'body { margin: 0; font: 400 6.5pt/5mm "Source Sans 3", sans-serif; color: #666; text-align: center; }'
        f"</style></head><body>{escape(line)}</body></html>"
    )
    return bytes(HTML(string=html, url_fetcher=_fetcher_for([FONTS_DIR])).write_pdf())


def stamp_pdf(source: str | Path | BinaryIO, *, email: str, on: date, skip_first_page: bool = True) -> bytes:
    """The built PDF with the reader's line at the foot of every page (the cover excepted)."""
    line = reader_line(email, on)
    out = io.BytesIO()
    with pikepdf.open(source) as pdf, pikepdf.open(io.BytesIO(_stamp_pdf_bytes(line))) as strip:
        form = pdf.copy_foreign(pikepdf.Page(strip.pages[0]).as_form_xobject())
        for index, page in enumerate(pdf.pages):
            if skip_first_page and index == 0:
                continue
            box = page.trimbox if "/TrimBox" in page.obj else page.mediabox
            x0, y0, x1 = float(box[0]), float(box[1]), float(box[2])
            tx = x0 + ((x1 - x0) - STAMP_WIDTH_MM * MM) / 2
            ty = y0 + STAMP_BOTTOM_MM * MM
            name = page.add_resource(form, pikepdf.Name.XObject, prefix="Reader")
            page.contents_add(
                f"/Artifact BMC q 1 0 0 1 {tx:.3f} {ty:.3f} cm {name} Do Q EMC".encode(),
                prepend=False,
            )
        pdf.docinfo[pikepdf.Name("/MastheadReader")] = email
        pdf.save(out)
    return out.getvalue()


def stamp_epub(source: IO[bytes], *, email: str, on: date, colophon: dict[str, Any]) -> IO[bytes]:
    """A temporary file holding the reader's copy (deleted when closed)."""
    handle = tempfile.NamedTemporaryFile(prefix="masthead-epub-", suffix=".epub", delete=False)  # noqa: SIM115
    try:
        with handle:
            shutil.copyfileobj(source, handle, 1 << 20)
        with zipfile.ZipFile(handle.name, "a") as book:
            last = book.infolist()[-1]
            if last.filename != f"EPUB/{COLOPHON_NAME}":
                raise ValueError(f"the EPUB does not end with its colophon (last entry: {last.filename})")
            # Overwrite the old colophon in place: the next entry is written at its offset,
            # and closing writes the central directory after it and truncates the rest.
            book.filelist.remove(last)
            del book.NameToInfo[last.filename]
            book.start_dir = last.header_offset
            book.writestr(last.filename, colophon_xhtml(colophon, reader_line(email, on)), compress_type=zipfile.ZIP_DEFLATED)
        copy = open(handle.name, "rb")  # noqa: SIM115 — handed to the response, closed by it
    finally:
        os.unlink(handle.name)
    return copy
