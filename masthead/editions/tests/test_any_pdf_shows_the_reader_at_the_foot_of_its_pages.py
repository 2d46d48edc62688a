"""The reader's line is on the page as a reader sees it, whatever the PDF: a single page, a page the viewer
turns (/Rotate), a file with a classic cross-reference table rather than a stream.

Small PDFs made here with pikepdf stand in for built files, so each shape is tried in milliseconds; the
copy is read the way the reading-PDF test reads it (pdftotext, qpdf --check, pdftoppm pixels).
"""

from __future__ import annotations

import io
import subprocess
from datetime import date

import pikepdf
from PIL import Image

from masthead.editions import stamping

ON = date(2024, 4, 1)
EMAIL = "reader@example.com"
A4 = (595, 842)
DPI = 36


def make_pdf(
    pages: int, *, size: tuple[int, int] = A4, rotate: int = 0, inherit_rotate: bool = False, table: bool = False
) -> bytes:
    pdf = pikepdf.new()
    helvetica = pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)
    font = pdf.make_indirect(helvetica)
    for number in range(1, pages + 1):
        page = pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=[0, 0, *size],
            Contents=pdf.make_stream(f"BT /F1 24 Tf 72 700 Td (Page {number}) Tj ET".encode()),
            Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
        )
        if rotate and not inherit_rotate:
            page.Rotate = rotate
        pdf.pages.append(pikepdf.Page(page))
    if rotate and inherit_rotate:
        pdf.Root.Pages.Rotate = rotate
    out = io.BytesIO()
    mode = pikepdf.ObjectStreamMode.disable if table else pikepdf.ObjectStreamMode.generate
    pdf.save(out, object_stream_mode=mode)
    return out.getvalue()


def stamped(data: bytes) -> bytes:
    return stamping.stamp_pdf(io.BytesIO(data), email=EMAIL, on=ON)


def pages_text(data: bytes) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
    return [" ".join(page.split()) for page in text.split("\f")[:-1]]


def render(data: bytes, page: int) -> Image.Image:
    ppm = subprocess.run(
        ["pdftoppm", "-f", str(page), "-l", str(page), "-r", str(DPI), "-"], input=data, capture_output=True, check=True
    ).stdout
    return Image.open(io.BytesIO(ppm)).convert("L")


def test_a_one_page_pdf_is_stamped_on_its_only_page():
    pages = pages_text(stamped(make_pdf(1)))
    assert len(pages) == 1
    assert EMAIL in pages[0], "a one-page copy carries no visible reader"
