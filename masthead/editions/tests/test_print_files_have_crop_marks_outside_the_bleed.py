"""The printer's files: TrimBox = the trim size, BleedBox = trim + 3 mm on every side, a MediaBox larger
than the bleed (a slug), and crop marks drawn in that slug on the trim lines — never inside the bleed.

Read the way a printer's tools read them: the boxes with pikepdf and pdfinfo, the marks as pixels in a
pdftoppm rendering (at 72 dpi one pixel is one point, so PDF coordinates map straight onto pixels).
"""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from masthead.editions import services
from masthead.editions.models import EditionFile
from masthead.editions.tests.support import FakeBuilder, corners_without_marks

MM = 72 / 25.4
DPI = 144
PX = DPI / 72  # pixels per point
INK = 200  # a grey level below this is something drawn (marks are hairlines, anti-aliased)


@pytest.fixture
def print_files(magazine, monkeypatch) -> dict[str, Path]:
    real = services.builder_for
    wanted = ("print", "print_cover")
    monkeypatch.setattr(services, "builder_for", lambda kind: real(kind) if kind in wanted else FakeBuilder(kind))
    files = {}
    for row in services.queue_issue(issue_id=magazine.issue.pk, kinds=["print", "print_cover"]):
        row = services.build(edition_id=row.pk)
        assert row.status == EditionFile.Status.READY, row.error
        files[row.kind] = Path(row.file.path)
    return files


def boxes(path: Path) -> list[dict[str, tuple[float, ...]]]:
    with pikepdf.open(path) as pdf:
        return [
            {name: tuple(float(v) for v in page.obj[f"/{name}"]) for name in ("MediaBox", "BleedBox", "TrimBox")}
            for page in pdf.pages
        ]


def render(path: Path, page: int) -> Image.Image:
    ppm = subprocess.run(
        ["pdftoppm", "-f", str(page), "-l", str(page), "-r", str(DPI), str(path)], capture_output=True, check=True
    ).stdout
    return Image.open(io.BytesIO(ppm)).convert("L")


def test_the_boxes_are_trim_bleed_and_a_larger_media_box(print_files, settings):
    width, height, bleed = settings.EDITIONS_TRIM_WIDTH_MM, settings.EDITIONS_TRIM_HEIGHT_MM, settings.EDITIONS_BLEED_MM
    for kind, path in print_files.items():
        for number, page in enumerate(boxes(path), start=1):
            tx0, ty0, tx1, ty1 = page["TrimBox"]
            assert (round((tx1 - tx0) / MM, 1), round((ty1 - ty0) / MM, 1)) == (width, height), (kind, number, page)
            grown = (tx0 - bleed * MM, ty0 - bleed * MM, tx1 + bleed * MM, ty1 + bleed * MM)
            assert page["BleedBox"] == pytest.approx(grown, abs=0.01)
            bx0, by0, bx1, by1 = page["BleedBox"]
            mx0, my0, mx1, my1 = page["MediaBox"]
            # Room for the marks on every side: at least 5 mm of slug beyond the bleed.
            assert min(bx0 - mx0, by0 - my0, mx1 - bx1, my1 - by1) >= 5 * MM, (kind, number, page)
        info = subprocess.run(["pdfinfo", "-box", str(path)], capture_output=True, text=True, check=True).stdout
        size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
        assert size and float(size[1]) == pytest.approx(mx1 - mx0, abs=0.1), info
        trim = re.search(r"TrimBox:\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)", info)
        assert trim and float(trim[3]) - float(trim[1]) == pytest.approx(width * MM, abs=0.1), info


@pytest.mark.parametrize("kind", ["print", "print_cover"])
def test_crop_marks_sit_in_the_slug_on_the_trim_lines_and_nothing_they_draw_is_inside_the_bleed(print_files, kind):
    path = print_files[kind]
    # An inside page: the interior's second page carries text in its margins only, nothing in the bleed;
    # the cover's inside front (page 2) likewise. Its bleed band must stay blank; marks drawn there show up.
    page = boxes(path)[1]
    image = render(path, 2)
    mx0, _, _, my1 = page["MediaBox"]

    def px(x: float, y: float) -> tuple[int, int]:
        return round((x - mx0) * PX), round((my1 - y) * PX)

    tx0, ty0, tx1, ty1 = page["TrimBox"]
    bx0, by0, bx1, by1 = page["BleedBox"]
    # The band between the trim and the bleed's edge (plus a pixel beyond, for anti-aliasing): no ink at all.
    left, top = px(bx0, by1)
    right, bottom = px(bx1, by0)
    inner_left, inner_top = px(tx0, ty1)
    inner_right, inner_bottom = px(tx1, ty0)
    pixels = image.load()
    assert pixels is not None
    band = [
        (x, y)
        for y in range(top, bottom)
        for x in range(left, right)
        if not (inner_left + 2 <= x < inner_right - 2 and inner_top + 2 <= y < inner_bottom - 2)
    ]
    inked = [(x, y) for x, y in band if pixels[x, y] < INK]
    assert inked == [], f"{len(inked)} pixels drawn inside the bleed, e.g. at {inked[:5]} (px at {DPI} dpi)"

    # Each corner has two marks beyond the bleed, along its trim lines: a horizontal one beside the page
    # and a vertical one above or below it.
    assert corners_without_marks(image, page, dpi=DPI, ink=INK) == [], f"page 2 of {kind} lacks these crop marks"
