"""Crop marks follow each page's own trim, in a file whose pages are not all one size (a fold-out, a
landscape spread): every corner of every page has its two marks beyond the bleed, whatever the other
pages measure.

WeasyPrint gives all the pages of a file one shared resource dictionary, which is where the marks are
named; the file here is made the way the print builder makes its files (WeasyPrint with a bleed, then
builders.marks), only with blank pages of two sizes.
"""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pikepdf
from PIL import Image

from masthead.editions.builders.marks import add_crop_marks
from masthead.editions.tests.support import corners_without_marks

BLEED_MM = 3.0

HTML = """<style>
@page { size: 100mm 150mm; margin: 0; bleed: 3mm }
@page wide { size: 150mm 100mm; margin: 0; bleed: 3mm }
.wide { page: wide }
div { break-before: page; height: 10mm }
</style>
<div></div><div class="wide"></div><div></div>"""


def blank_pages_of_two_sizes(tmp_path: Path) -> Path:
    from weasyprint import HTML as Document

    path = tmp_path / "print.pdf"
    Document(string=HTML).write_pdf(str(path))
    add_crop_marks(path, bleed_mm=BLEED_MM)
    return path


def missing_marks(path: Path, number: int) -> list[tuple[float, float]]:
    with pikepdf.open(path) as pdf:
        obj = pdf.pages[number - 1].obj
        page = {name: tuple(float(v) for v in obj[f"/{name}"]) for name in ("MediaBox", "TrimBox", "BleedBox")}
    ppm = subprocess.run(
        ["pdftoppm", "-f", str(number), "-l", str(number), "-r", "72", str(path)], capture_output=True, check=True
    ).stdout
    return corners_without_marks(Image.open(io.BytesIO(ppm)).convert("L"), page, dpi=72)


def test_every_page_has_marks_at_its_own_corners(tmp_path):
    path = blank_pages_of_two_sizes(tmp_path)
    with pikepdf.open(path) as pdf:
        sizes = {tuple(round(float(v)) for v in page.obj.TrimBox) for page in pdf.pages}
    assert len(sizes) == 2, sizes
    for number in (1, 2, 3):
        assert missing_marks(path, number) == [], f"page {number} lacks the marks at these trim corners"
