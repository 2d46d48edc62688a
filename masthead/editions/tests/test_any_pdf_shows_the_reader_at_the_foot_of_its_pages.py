"""The reader's line is on the page as a reader sees it, whatever the PDF: a single page, a page the viewer
turns (/Rotate), a file with a classic cross-reference table rather than a stream.

Small PDFs made here with pikepdf stand in for built files, so each shape is tried in milliseconds; the
copy is read the way the reading-PDF test reads it (pdftotext, qpdf --check, pdftoppm pixels).
"""

from __future__ import annotations

import io
import re
import subprocess
from datetime import date
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageChops

from masthead.editions import pdf_stamp, stamping

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


def drawn_stamp(built: bytes) -> tuple[Image.Image, tuple[int, int, int, int]]:
    """Page 2 of the reader's copy and the box of the pixels the stamp changed on it."""
    before, after = render(built, 2), render(stamped(built), 2)
    changed = ImageChops.difference(before, after).point(lambda v: 255 if v > 40 else 0).getbbox()
    assert changed is not None, "the stamp is not drawn"
    return after, changed


def shown_words(data: bytes, page: int) -> dict[str, tuple[float, float, float, float]]:
    """word → (x0, y0, x1, y1) on the page as a viewer shows it (pdftotext applies /Rotate)."""
    out = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    found = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', out)
    return {word: (float(x0), float(y0), float(x1), float(y1)) for x0, y0, x1, y1, word in found}


@pytest.mark.parametrize("rotate", [90, 180, 270])
@pytest.mark.parametrize("inherit", [False, True], ids=["on the page", "inherited"])
def test_a_turned_page_shows_the_line_upright_at_its_foot(rotate, inherit):
    after, changed = drawn_stamp(make_pdf(2, rotate=rotate, inherit_rotate=inherit))
    left, top, right, bottom = changed
    px_per_mm = DPI / 25.4
    band = (pdf_stamp.STRIP_BOTTOM_MM + pdf_stamp.STRIP_HEIGHT_MM) * px_per_mm
    # At the foot of the page as shown, running across it (a line on its side is taller than wide).
    assert top >= after.height - band - 1, f"the stamp is not at the foot of the shown page: {changed} in {after.size}"
    assert right - left > 4 * (bottom - top), f"the stamp does not run across the page: {changed}"
    # Centred on the page as shown.
    assert abs((left + right) / 2 - after.width / 2) < 3, f"the stamp is not centred: {changed} in {after.size}"
    # Upright: the line's first word is left of its last on one baseline, as the page is shown.
    words = shown_words(stamped(make_pdf(2, rotate=rotate, inherit_rotate=inherit)), 2)
    first, last = words["Prepared"], words["copy."]
    assert first[2] < last[0] and abs(first[1] - last[1]) < 1, f"the line does not read left to right: {first} … {last}"


def test_a_copy_of_a_file_with_a_cross_reference_table_passes_qpdf_without_warnings(tmp_path: Path):
    path = tmp_path / "copy.pdf"
    path.write_bytes(stamped(make_pdf(3, table=True)))
    check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.parametrize("rotate", [0, 90])
def test_on_a_page_narrower_than_the_strip_the_whole_line_stays_on_the_page(rotate):
    # A pocket trim (EDITIONS_TRIM_MM may be as small as 50 mm) and an address long enough to fill the strip.
    narrow = (round(100 * pdf_stamp.MM), round(150 * pdf_stamp.MM))
    size = narrow if rotate == 0 else (narrow[1], narrow[0])
    built = make_pdf(2, size=size, rotate=rotate)
    before = render(built, 2)
    after = render(stamping.stamp_pdf(io.BytesIO(built), email="a.very.long.address.for.a.reader@example.com", on=ON), 2)
    changed = ImageChops.difference(before, after).point(lambda v: 255 if v > 40 else 0).getbbox()
    assert changed is not None, "the stamp is not drawn"
    margin = 3 * DPI / 25.4  # at least 3 mm clear of either edge
    assert changed[0] >= margin and changed[2] <= after.width - margin, f"the line runs off the page: {changed} in {after.size}"
