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

MM = 72 / 25.4
BLEED_MM = 3.0
INK = 200  # a grey level below this is something drawn (the marks are anti-aliased hairlines)

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


def corners_without_marks(path: Path, number: int) -> list[tuple[float, float]]:
    with pikepdf.open(path) as pdf:
        obj = pdf.pages[number - 1].obj
        mx0, _, _, my1 = (float(v) for v in obj.MediaBox)
        tx0, ty0, tx1, ty1 = (float(v) for v in obj.TrimBox)
        bx0, by0, bx1, by1 = (float(v) for v in obj.BleedBox)
    ppm = subprocess.run(
        ["pdftoppm", "-f", str(number), "-l", str(number), "-r", "72", str(path)], capture_output=True, check=True
    ).stdout
    pixels = Image.open(io.BytesIO(ppm)).convert("L").load()
    assert pixels is not None

    def px(x: float, y: float) -> tuple[int, int]:  # at 72 dpi one pixel is one point
        return round(x - mx0), round(my1 - y)

    missing = []
    for x, y, out_x, out_y in ((tx0, ty0, -1, -1), (tx1, ty0, 1, -1), (tx0, ty1, -1, 1), (tx1, ty1, 1, 1)):
        edge_x, edge_y = (bx0 if out_x < 0 else bx1), (by0 if out_y < 0 else by1)
        col, row = px(x, y)
        along_x = sorted((px(edge_x + out_x * 0.5 * MM, y)[0], px(edge_x + out_x * 6 * MM, y)[0]))
        along_y = sorted((px(x, edge_y + out_y * 0.5 * MM)[1], px(x, edge_y + out_y * 6 * MM)[1]))
        horizontal = min(pixels[c, r] for c in range(*along_x) for r in (row - 1, row, row + 1))
        vertical = min(pixels[c, r] for r in range(*along_y) for c in (col - 1, col, col + 1))
        if not (horizontal < INK and vertical < INK):
            missing.append((round(x, 1), round(y, 1)))
    return missing


def test_every_page_has_marks_at_its_own_corners(tmp_path):
    path = blank_pages_of_two_sizes(tmp_path)
    with pikepdf.open(path) as pdf:
        sizes = {tuple(round(float(v)) for v in page.obj.TrimBox) for page in pdf.pages}
    assert len(sizes) == 2, sizes
    for number in (1, 2, 3):
        assert corners_without_marks(path, number) == [], f"page {number} lacks the marks at these trim corners"
