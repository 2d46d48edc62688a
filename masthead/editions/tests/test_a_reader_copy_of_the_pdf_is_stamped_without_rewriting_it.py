"""A reader's PDF: the built file untouched, then a small update that puts the reader on every page.

The reader's address is on every page but the cover (pdftotext, page by page); the copy stays a valid,
tagged PDF with every font embedded (qpdf --check, pdfinfo, pdffonts); another reader's copy differs
only in the stamp — the same built bytes, a different tail, pixels that differ only in the strip at the
foot of the page; and the download streams the built file rather than rebuilding it in memory.
"""

from __future__ import annotations

import io
import subprocess
from datetime import date
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from masthead.editions import pdf_stamp, stamping
from masthead.editions.tests.support import build_reading_pdf

ON = date(2024, 4, 1)


@pytest.fixture
def reading_pdf(magazine, monkeypatch) -> Path:
    return Path(build_reading_pdf(magazine.issue, monkeypatch).file.path)


def run(*args: str, data: bytes | None = None) -> str:
    return subprocess.run(args, input=data, capture_output=True, check=True).stdout.decode()


def pages_text(data: bytes) -> list[str]:
    return run("pdftotext", "-layout", "-", "-", data=data).split("\f")[:-1]


def render(data: bytes, page: int, dpi: int = 60) -> Image.Image:
    ppm = subprocess.run(
        ["pdftoppm", "-f", str(page), "-l", str(page), "-r", str(dpi), "-"], input=data, capture_output=True, check=True
    ).stdout
    return Image.open(io.BytesIO(ppm)).convert("L")


def test_every_page_but_the_cover_carries_the_reader_and_the_copy_is_a_valid_tagged_pdf(reading_pdf, tmp_path):
    built = reading_pdf.read_bytes()
    copy = stamping.stamp_pdf(reading_pdf, email="reader@example.com", on=ON)
    pages = pages_text(copy)
    assert len(pages) == len(pages_text(built)) >= 3
    line = "Prepared for reader@example.com on 2024-04-01. Please do not share this copy."
    assert line not in pages[0], "the cover is stamped"
    for number, text in enumerate(pages[1:], start=2):
        assert line in " ".join(text.split()), f"page {number} does not carry the reader: {text[-300:]!r}"

    path = tmp_path / "copy.pdf"
    path.write_bytes(copy)
    check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert check.returncode == 0 and "No syntax or stream encoding errors" in check.stdout, check.stdout + check.stderr
    info = run("pdfinfo", str(path))
    assert "Tagged:          yes" in info
    fonts = run("pdffonts", str(path)).splitlines()[2:]
    assert any("SourceSans3-Regular" in font and "WinAnsi" in font for font in fonts), fonts
    assert [font for font in fonts if font.split()[-5] != "yes"] == [], "a font is not embedded"
    assert [font for font in fonts if font.split()[-3] != "yes"] == [], "a font has no Unicode map (text cannot be copied)"


def test_two_readers_copies_are_the_built_file_and_differ_only_in_the_stamp(reading_pdf):
    built = reading_pdf.read_bytes()
    first = stamping.stamp_pdf(reading_pdf, email="first@example.com", on=ON)
    second = stamping.stamp_pdf(reading_pdf, email="second@example.com", on=ON)
    # The built bytes are untouched: each copy is the file followed by its reader's update.
    assert first[: len(built)] == built and second[: len(built)] == built
    assert first[len(built) :] != second[len(built) :] and len(first) - len(built) < 64_000
    assert b"first@example.com" not in second

    # Drawn: the pages differ from the built page only inside the strip at the foot.
    original, stamped, other = render(built, 2), render(first, 2), render(second, 2)
    changed = ImageChops.difference(original, stamped).getbbox()
    assert changed is not None, "the stamp is not drawn"
    dpi_mm = 60 / 25.4
    strip_top = original.height - (pdf_stamp.STRIP_BOTTOM_MM + pdf_stamp.STRIP_HEIGHT_MM) * dpi_mm
    assert changed[1] >= strip_top - 1, f"pixels changed above the strip: {changed}"
    assert ImageChops.difference(stamped, other).getbbox() is not None
    assert render(built, 1).tobytes() == render(first, 1).tobytes(), "the cover changed"


def test_an_address_the_font_cannot_spell_is_written_in_its_ascii_form():
    assert pdf_stamp.drawable_text("Prepared for anna@bücher.example on 2024-04-01.") == (
        "Prepared for anna@bücher.example on 2024-04-01."
    )
    assert pdf_stamp.drawable_text("Prepared for anna@例え.jp on 2024-04-01.") == (
        "Prepared for anna@xn--r8jz45g.jp on 2024-04-01."
    )


def test_a_file_that_is_not_a_whole_pdf_is_refused_with_a_named_error(reading_pdf, tmp_path):
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(reading_pdf.read_bytes()[:-200])
    with pytest.raises(pdf_stamp.StampError, match="startxref"):
        stamping.pdf_update(cut, email="reader@example.com", on=ON)
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"not a pdf at all\nstartxref\n5\n%%EOF\n")
    with pytest.raises(pdf_stamp.StampError):
        stamping.pdf_update(junk, email="reader@example.com", on=ON)


def test_the_download_streams_the_built_file_then_the_readers_update(reading_pdf, magazine, client_for):
    response = client_for("subscriber").get(f"/issues/{magazine.issue.slug}/pdf/")
    assert response.status_code == 200 and response.streaming
    data = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(data)
    built = reading_pdf.read_bytes()
    assert data[: len(built)] == built
    assert "subscriber@example.com" in " ".join(" ".join(pages_text(data)).split())
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == "private, no-store"
