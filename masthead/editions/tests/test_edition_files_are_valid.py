"""Real builds of a narrated issue, checked with the tools a publisher, a printer and a reading system use:
EPUBCheck (0 errors, 0 warnings) and Ace by DAISY (no serious or critical violation) on a reader's stamped
EPUB with Media Overlays; pdfinfo/pdffonts on the PDFs (tagged reading PDF, trim + bleed BleedBox, every
font embedded, pages a multiple of four); the preflight's low-resolution list; ID3 chapters of the audio.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

from mutagen.id3 import ID3

from masthead.editions import services, stamping
from masthead.editions.models import EditionFile
from masthead.editions.tests.support import epub_entries, narrate, pdf_text

ROOT = Path(__file__).resolve().parents[3]
EPUBCHECK_JAR = Path("/usr/share/java/epubcheck.jar")
ACE = ROOT / "node_modules" / ".bin" / "ace-puppeteer"
MM = 72 / 25.4


def build_all(magazine):
    narrate(magazine.public_article)
    narrate(magazine.subscriber_article)
    rows = services.queue_issue(issue_id=magazine.issue.pk)
    files = {}
    for row in rows:
        row = services.build(edition_id=row.pk)
        assert row.status == EditionFile.Status.READY, f"{row.kind}: {row.error}"
        files[row.kind] = row
    assert set(files) == {"epub", "pdf", "print", "print_cover", "audio"}
    return files


def pdfinfo(path: Path, *args: str) -> str:
    return subprocess.run(["pdfinfo", *args, str(path)], capture_output=True, text=True, check=True).stdout


def found(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not in {text[:400]!r}"
    return match[1]


def fonts_not_embedded(path: Path) -> list[str]:
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert lines, "pdffonts listed no fonts"
    # Columns: name type encoding emb sub uni object ID; "emb" is the 4th field from the right end.
    return [line for line in lines if line.split()[-5] != "yes"]


def check_epub_passes_epubcheck_and_ace_with_a_read_along_for_each_narrated_article(built, magazine, tmp_path):
    row = built["epub"]
    with row.file.open("rb") as source:
        copy = stamping.stamp_epub(source, email="reader@example.com", on=date(2024, 4, 1), colophon=row.details["colophon"])
    book = tmp_path / "reader.epub"
    with copy, book.open("wb") as out:
        shutil.copyfileobj(copy, out)

    entries = epub_entries(book.read_bytes())
    assert list(entries)[0] == "mimetype" and entries["mimetype"] == b"application/epub+zip"
    assert b"reader@example.com" in entries["EPUB/text/colophon.xhtml"]
    opf = entries["EPUB/content.opf"].decode()
    assert 'xml:lang="en"' in opf and "schema:accessMode" in opf and "synchronizedAudioText" in opf
    assert 'property="belongs-to-collection"' in opf and ">Masthead Publishing<" in opf
    for article in (magazine.public_article, magazine.subscriber_article):
        smil = entries[f"EPUB/smil/a-{article.pk}.smil"].decode()
        narration = article.narrations.get(variant="full")
        assert smil.count("<par ") == len(narration.segments)
        assert f'media-overlay="mo-a-{article.pk}"' in opf
        assert entries[f"EPUB/audio/a-{article.pk}.mp3"] == narration.audio.open("rb").read()
        xhtml = entries[f"EPUB/text/a-{article.pk}.xhtml"].decode()
        for target in re.findall(r'src="\.\./text/a-\d+\.xhtml#([^"]+)"', smil):
            assert f'id="{target}"' in xhtml, f"the overlay points at #{target}, which the article lacks"
    assert len(re.findall(r'property="media:duration"', opf)) == 3  # two overlays and the total

    check = subprocess.run(["java", "-jar", str(EPUBCHECK_JAR), str(book)], capture_output=True, text=True, timeout=300)
    assert "0 fatals / 0 errors / 0 warnings" in check.stdout + check.stderr, check.stdout + check.stderr

    report_dir = tmp_path / "ace"
    ace = subprocess.run(
        [str(ACE), "--force", "--silent", "--outdir", str(report_dir), str(book)],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PUPPETEER_EXECUTABLE_PATH": "/usr/bin/chromium"},
    )
    assert ace.returncode == 0, ace.stdout + ace.stderr
    report = json.loads((report_dir / "report.json").read_text())
    violations = [
        (test["earl:test"]["earl:impact"], test["earl:test"]["dct:title"])
        for document in report["assertions"]
        for test in document.get("assertions", [])
        if test["earl:result"]["earl:outcome"] == "fail"
    ]
    assert not [v for v in violations if v[0] in ("serious", "critical")], violations


def check_reading_pdf_is_tagged_with_every_font_embedded_and_page_numbers_in_its_contents(built):
    path = Path(built["pdf"].file.path)
    info = pdfinfo(path)
    assert "Tagged:          yes" in info
    assert fonts_not_embedded(path) == []
    text = pdf_text(path)
    assert re.search(r"A Public Report\s*(\. )+\s*3", text), text[:800]
    assert "A Subscriber Investigation" in text and "Dmitry Peskov" in text and "AP IMAGES" in text


def check_print_pdf_has_trim_plus_bleed_pages_in_fours_embedded_fonts_and_a_preflight(built, settings):
    interior = built["print"]
    path = Path(interior.file.path)
    info = pdfinfo(path, "-box")
    width = (settings.EDITIONS_TRIM_WIDTH_MM + 2 * settings.EDITIONS_BLEED_MM) * MM
    height = (settings.EDITIONS_TRIM_HEIGHT_MM + 2 * settings.EDITIONS_BLEED_MM) * MM
    # The page is trim + bleed (BleedBox) inside a larger MediaBox carrying the crop marks (builders/marks.py).
    bleed = re.search(r"BleedBox:\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)", info)
    assert bleed, info
    assert abs(float(bleed[3]) - float(bleed[1]) - width) < 0.1 and abs(float(bleed[4]) - float(bleed[2]) - height) < 0.1, info
    trim = re.search(r"TrimBox:\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)", info)
    assert trim and abs(float(trim[3]) - float(trim[1]) - settings.EDITIONS_TRIM_WIDTH_MM * MM) < 0.1
    pages = int(found(r"Pages:\s+(\d+)", info))
    assert pages % 4 == 0 and pages == interior.page_count
    assert fonts_not_embedded(path) == []

    report = interior.details
    assert report["fonts_not_embedded"] == []
    # The fixture's hero photo is 1200 px wide, placed across the text block: far below 300 ppi.
    (low,) = report["low_resolution_images"]
    assert low["name"] == "Dmitry Peskov" and low["pixels"] == [1200, 800] and low["ppi"] < 300

    cover = Path(built["print_cover"].file.path)
    assert int(found(r"Pages:\s+(\d+)", pdfinfo(cover))) == 4
    cover_bleed = re.search(r"BleedBox:\s+([-\d.]+)\s+[-\d.]+\s+([-\d.]+)", pdfinfo(cover, "-box"))
    assert cover_bleed and abs(float(cover_bleed[2]) - float(cover_bleed[1]) - width) < 0.1
    assert fonts_not_embedded(cover) == []


def check_audio_edition_is_one_mp3_with_a_chapter_per_narrated_article(built, magazine):
    row = built["audio"]
    tags = ID3(row.file.path)
    (toc,) = tags.getall("CTOC")
    chapters = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    assert toc.child_element_ids == [c.element_id for c in chapters]
    assert [c.sub_frames["TIT2"].text[0] for c in chapters] == [magazine.public_article.title, magazine.subscriber_article.title]
    assert chapters[0].start_time == 0 and chapters[1].start_time >= chapters[0].end_time
    assert abs(chapters[1].end_time - row.duration_ms) <= 1
    assert row.details["chapters"][1]["start_ms"] == chapters[1].start_time


def test_a_narrated_issue_builds_files_that_pass_the_tools_of_publishers_printers_and_readers(magazine, settings, tmp_path):
    # One build for every check: WeasyPrint takes seconds per PDF, and each check reads a different file.
    built = build_all(magazine)
    check_epub_passes_epubcheck_and_ace_with_a_read_along_for_each_narrated_article(built, magazine, tmp_path)
    check_reading_pdf_is_tagged_with_every_font_embedded_and_page_numbers_in_its_contents(built)
    check_print_pdf_has_trim_plus_bleed_pages_in_fours_embedded_fonts_and_a_preflight(built, settings)
    check_audio_edition_is_one_mp3_with_a_chapter_per_narrated_article(built, magazine)
