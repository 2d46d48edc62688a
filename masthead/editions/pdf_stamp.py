"""The reader's line on every page of a built PDF, as an incremental update appended to the file.

A reader's copy is the built file, byte for byte, followed by a short update (PDF 32000-1 §7.5.6):
a font, one Form XObject holding the line, the page dictionaries that now draw it, the
document info naming the reader, and a cross-reference section pointing back at the file's own.
So a download costs what the pages' dictionaries cost, not what the file weighs: nothing is
decoded, re-compressed or re-laid-out, and the file itself can be streamed from storage as it is.
Two readers' copies differ only in that tail.

The line is drawn in Source Sans 3 (the edition's own face, OFL) as a simple TrueType font with
WinAnsiEncoding: the font's Latin file, unpacked when a plan is worked out and embedded whole in every
copy (~15 KB), so any address the font can spell draws without re-subsetting per download.
An address it cannot spell (an internationalised domain) is written in its ASCII (IDNA) form.

The stamp sits in /Artifact marked content (pagination, footer), so a tagged PDF's structure
tree is untouched and assistive technology skips it.

What does not depend on the reader (a StampPlan: the font, the page dictionaries, offsets, and the
font's widths the line is set with) can be written out with ``plan_to_json`` and read back with
``plan_from_json``, so it is worked out once when the file is built (editions.stamping keeps it beside
the file) and a download in a fresh process neither opens the PDF nor unpacks the font.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import json
import os
import re
import threading
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import pikepdf

from masthead.editions.pdf_pages import inherited, with_xobject, wrapped_drawing

FONT_FILE = Path(__file__).resolve().parents[1] / "static" / "fonts" / "source-sans-3-latin-400-normal.woff2"
# Six capital letters and a plus: the PDF convention for a subset font's name.
FONT_NAME = "MHSTMP+SourceSans3-Regular"
FIRST_CODE, LAST_CODE = 32, 255
ENCODING = "cp1252"  # WinAnsiEncoding

MM = 72 / 25.4
STRIP_WIDTH_MM = 150.0  # at most: on a narrower page the strip is the page's width less STRIP_SIDE_MM each side
STRIP_SIDE_MM = 8.0
STRIP_HEIGHT_MM = 5.0
STRIP_BOTTOM_MM = 8.0
FONT_SIZE_PT = 6.5
GREY = 0.4  # #666
XOBJECT_NAME = "/MastheadReader"


class StampError(ValueError):
    """The file cannot take an update (not a PDF, encrypted, or its end cannot be found)."""


@dataclass(frozen=True)
class LineMetrics:
    """What setting a reader's line needs from the font: which letters it has and how wide they are."""

    widths: tuple[int, ...]  # advance per code FIRST_CODE..LAST_CODE, in thousandths of an em
    drawable: frozenset[str]
    ascent: int
    descent: int

    def width(self, text: str, size: float) -> float:
        codes = text.encode(ENCODING)
        return sum(self.widths[code - FIRST_CODE] for code in codes) * size / 1000


@dataclass(frozen=True)
class StampFont(LineMetrics):
    program: bytes  # the TrueType subset, Flate-compressed
    length1: int  # its length before compression
    bbox: tuple[int, int, int, int]
    cap_height: int
    to_unicode: bytes  # the CMap that maps each code back to its character, for text extraction

    @property
    def line_metrics(self) -> LineMetrics:
        return LineMetrics(widths=self.widths, drawable=self.drawable, ascent=self.ascent, descent=self.descent)


@functools.cache
def stamp_font() -> StampFont:
    """Source Sans 3 Regular's Latin file as a TrueType program, with its metrics; made once per process.

    The file is already the font's Latin subset (fontsource's unicode-range split, 324 glyphs), so it is
    only unpacked from WOFF2 and stripped of the layout tables a PDF viewer never reads: ~0.25 CPU s,
    where running fontTools' subsetter as well doubled that for 4 KB less per copy.
    """
    from fontTools.ttLib import TTFont

    font = TTFont(str(FONT_FILE))
    font.flavor = None
    # Keep the font's own head.modified: saving would stamp the time of unpacking into the program, and a
    # layout worked out in one process (at build) would then differ from the same one worked out in another.
    font.recalcTimestamp = False
    for tag in ("GSUB", "GPOS", "GDEF", "BASE", "STAT"):
        if tag in font:
            del font[tag]
    cmap = font.getBestCmap()
    characters = {bytes([code]).decode(ENCODING, "ignore") for code in range(FIRST_CODE, LAST_CODE + 1)} - {""}
    drawable = frozenset(c for c in characters if ord(c) in cmap)
    buffer = io.BytesIO()
    font.save(buffer)
    program = buffer.getvalue()

    scale = 1000 / font["head"].unitsPerEm
    cmap, metrics = font.getBestCmap(), font["hmtx"].metrics
    widths = []
    for code in range(FIRST_CODE, LAST_CODE + 1):
        character = bytes([code]).decode(ENCODING, "ignore")
        glyph = cmap.get(ord(character)) if character in drawable else None
        widths.append(round(metrics[glyph][0] * scale) if glyph else 0)
    head, os2 = font["head"], font["OS/2"]
    return StampFont(
        program=zlib.compress(program, 9),
        length1=len(program),
        widths=tuple(widths),
        drawable=drawable,
        bbox=(round(head.xMin * scale), round(head.yMin * scale), round(head.xMax * scale), round(head.yMax * scale)),
        ascent=round(os2.sTypoAscender * scale),
        descent=round(os2.sTypoDescender * scale),
        cap_height=round(os2.sCapHeight * scale),
        to_unicode=_to_unicode(drawable),
    )


def _to_unicode(drawable: frozenset[str]) -> bytes:
    pairs = sorted((c.encode(ENCODING)[0], ord(c)) for c in drawable)
    lines = [
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
        "1 begincodespacerange <00> <FF> endcodespacerange",
    ]
    for start in range(0, len(pairs), 100):  # at most 100 entries per block
        block = pairs[start : start + 100]
        lines.append(f"{len(block)} beginbfchar")
        lines += [f"<{code:02X}> <{point:04X}>" for code, point in block]
        lines.append("endbfchar")
    lines += ["endcmap CMapName currentdict /CMap defineresource pop end end"]
    return "\n".join(lines).encode("ascii")


def drawable_text(text: str, font: LineMetrics | None = None) -> str:
    """The text as the font can draw it: an address's domain in IDNA form if need be, else '?' per missing letter."""
    font = font or stamp_font()
    if all(c in font.drawable for c in text):
        return text

    def ascii_domain(match: re.Match[str]) -> str:
        try:
            return "@" + match[1].encode("idna").decode("ascii")
        except UnicodeError:
            return match[0]

    text = re.sub(r"@([^\s@]+?)(?=[.,;:!?]?(\s|$))", ascii_domain, text)
    return "".join(c if c in font.drawable else "?" for c in text)


# --- The update -------------------------------------------------------------------


def _file_end(handle: BinaryIO) -> tuple[int, int, bool]:
    """(file size, offset of the last cross-reference section, whether that section is a stream)."""
    size = handle.seek(0, os.SEEK_END)
    handle.seek(max(0, size - 2048))
    tail = handle.read()
    found = re.findall(rb"startxref\s+(\d+)\s+%%EOF", tail)
    if not found:
        raise StampError("the file has no startxref at its end; it is not a complete PDF")
    offset = int(found[-1])
    handle.seek(offset)
    is_stream = not handle.read(4).startswith(b"xref")
    return size, offset, is_stream


def _strip_content(line: str, width: float, metrics: LineMetrics) -> bytes:
    """The strip's drawing: the line centred in a box ``width`` points wide."""
    height = STRIP_HEIGHT_MM * MM
    size = FONT_SIZE_PT
    text_width = metrics.width(line, size)
    if text_width > width:  # a very long address: smaller type rather than a line off the strip
        size *= width / text_width
        text_width = width
    baseline = (height - (metrics.ascent + metrics.descent) * size / 1000) / 2
    codes = line.encode(ENCODING).hex().upper()
    content = f"BT /F1 {size:.3f} Tf {GREY} g {(width - text_width) / 2:.3f} {baseline:.3f} Td <{codes}> Tj ET"
    return content.encode("ascii")


def _strip_dictionary(font: pikepdf.Object, width: float) -> bytes:
    """The strip's Form XObject dictionary entries (all but /Length): the same for every reader."""
    height = STRIP_HEIGHT_MM * MM
    number, generation = font.objgen
    return (
        f"/Type /XObject /Subtype /Form /BBox [ 0 0 {round(width, 3)} {round(height, 3)} ] "
        f"/Resources << /Font << /F1 {number} {generation} R >> >>"
    ).encode("ascii")


def _font(pdf: pikepdf.Pdf) -> pikepdf.Object:
    metrics = stamp_font()
    program = pdf.make_stream(b"")
    program.write(metrics.program, filter=pikepdf.Name.FlateDecode)
    program.Length1 = metrics.length1
    descriptor = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.FontDescriptor,
            FontName=pikepdf.Name("/" + FONT_NAME),
            Flags=32,  # non-symbolic: WinAnsiEncoding maps codes to glyphs through the font's Unicode cmap
            FontBBox=list(metrics.bbox),
            ItalicAngle=0,
            Ascent=metrics.ascent,
            Descent=metrics.descent,
            CapHeight=metrics.cap_height,
            StemV=80,
            FontFile2=program,
        )
    )
    return pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.TrueType,
            BaseFont=pikepdf.Name("/" + FONT_NAME),
            FirstChar=FIRST_CODE,
            LastChar=LAST_CODE,
            Widths=list(metrics.widths),
            Encoding=pikepdf.Name.WinAnsiEncoding,
            FontDescriptor=descriptor,
            ToUnicode=pdf.make_stream(metrics.to_unicode),
        )
    )


def _rotation(page: pikepdf.Object) -> int:
    """How far a viewer turns the page clockwise (/Rotate, which a page may inherit from the page tree)."""
    rotate = inherited(page, "/Rotate")
    turn = int(rotate) % 360 if rotate is not None else 0
    return turn if turn in (90, 180, 270) else 0


def _edges(box: pikepdf.Object) -> tuple[float, float, float, float]:
    x0, x1 = sorted((float(box[0]), float(box[2])))
    y0, y1 = sorted((float(box[1]), float(box[3])))
    return x0, y0, x1, y1


def _shown_width(box: pikepdf.Object, rotation: int) -> float:
    x0, y0, x1, y1 = _edges(box)
    return y1 - y0 if rotation in (90, 270) else x1 - x0


def _placement(box: pikepdf.Object, rotation: int, width: float) -> tuple[float, ...]:
    """The strip's matrix (a b c d e f) on a page: centred at the foot of the page as it is shown, upright.

    A viewer turns a page by its /Rotate, so on a turned page "the foot" is another edge of the box and
    the strip has to be turned the other way to read left to right there.
    """
    x0, y0, x1, y1 = _edges(box)
    up = STRIP_BOTTOM_MM * MM
    if rotation == 90:  # the right edge is shown at the bottom
        matrix = (0, 1, -1, 0, x1 - up, y0 + ((y1 - y0) - width) / 2)
    elif rotation == 180:
        matrix = (-1, 0, 0, -1, x1 - ((x1 - x0) - width) / 2, y1 - up)
    elif rotation == 270:  # the left edge is shown at the bottom
        matrix = (0, -1, 1, 0, x0 + up, y1 - ((y1 - y0) - width) / 2)
    else:
        matrix = (1, 0, 0, 1, x0 + ((x1 - x0) - width) / 2, y0 + up)
    return tuple(round(value, 3) for value in matrix)


def _serialise(obj: pikepdf.Object) -> bytes:
    number, generation = obj.objgen
    if isinstance(obj, pikepdf.Stream):
        data = obj.read_raw_bytes()
        header = pikepdf.Dictionary(dict(obj.stream_dict.items()))
        header.Length = len(data)
        body = header.unparse(resolved=True) + b"\nstream\n" + data + b"\nendstream"
    else:
        body = obj.unparse(resolved=True)
    return b"%d %d obj\n%s\nendobj\n" % (number, generation, body)


def _cross_reference(
    entries: dict[int, tuple[int, int]], *, start: int, previous: int, size: int, keep: str, xref_number: int, as_stream: bool
) -> bytes:
    """The update's cross-reference section and trailer, in the same form as the file's own.

    ``keep``: the trailer entries carried over (/Root, /Info, /ID), already written out.
    """
    if not as_stream:
        numbers = sorted(entries)
        runs: list[list[int]] = []
        for number in numbers:
            if runs and number == runs[-1][-1] + 1:
                runs[-1].append(number)
            else:
                runs.append([number])
        table = ["xref\n"]
        for run in runs:
            table.append(f"{run[0]} {len(run)}\n")
            table.extend(f"{entries[n][0]:010d} {entries[n][1]:05d} n\r\n" for n in run)
        table.append(f"trailer\n<< /Size {size} /Prev {previous}{keep} >>\nstartxref\n{start}\n%%EOF\n")
        return "".join(table).encode("latin-1")
    entries = {**entries, xref_number: (start, 0)}
    numbers = sorted(entries)
    index: list[int] = []
    for number in numbers:
        if index and number == index[-2] + index[-1]:
            index[-1] += 1
        else:
            index += [number, 1]
    rows = b"".join(b"\x01" + entries[n][0].to_bytes(4, "big") + entries[n][1].to_bytes(2, "big") for n in numbers)
    header = (
        f"<< /Type /XRef /Size {size} /Prev {previous} /W [ 1 4 2 ] /Index [ {' '.join(map(str, index))} ]"
        f" /Length {len(rows)}{keep} >>"
    )
    return (
        f"{xref_number} 0 obj\n{header}\nstream\n".encode("latin-1")
        + rows
        + f"\nendstream\nendobj\nstartxref\n{start}\n%%EOF\n".encode()
    )


@dataclass(frozen=True)
class StampPlan:
    """All of a reader's update that depends only on the built file, worked out once per file.

    ``fixed`` is the update's first part, the same for every reader: the font, the page dictionaries
    that now draw the strip (they refer to it by number), the streams around the pages' drawing.
    A reader's update is ``fixed`` + the strip holding their line + the document info naming them +
    the cross-reference section: a few hundred bytes formatted per download, no PDF parsed.
    """

    size: int  # the built file's length: the update's objects are at size + their offset in it
    previous: int  # the file's last cross-reference section
    xref_is_stream: bool
    strip_width: float  # points: STRIP_WIDTH_MM, or less where the narrowest stamped page needs it
    fixed: bytes
    entries: tuple[tuple[int, int, int], ...]  # (number, generation, offset in the update) of fixed's objects
    strip: tuple[int, int]
    strip_dictionary: bytes
    info: tuple[int, int]
    info_entries: bytes  # the file's own document info entries (not /MastheadReader), written out
    root: str
    first_id: bytes | None
    trailer_size: int
    xref_number: int
    metrics: LineMetrics  # the font's, as embedded in ``fixed``: the line is set with the widths the file carries


_PLANS: OrderedDict[tuple[str, int, bool], StampPlan] = OrderedDict()
_PLANS_LOCK = threading.Lock()
PLANS_KEPT = 16  # built files whose plan a process keeps (~50 kB each); the newest versions are the ones downloaded


def reader_update(
    source: str | Path | BinaryIO, *, line: str, reader: str, skip_first_page: bool = True, cache_key: str | None = None
) -> bytes:
    """The bytes to append to the built PDF so that every page (the cover excepted, unless it is the only one) shows ``line``.

    ``reader`` goes into the document information as /MastheadReader. ``cache_key`` names the built
    file's bytes (its storage name, which carries a hash of them): the file's plan is then worked out
    once per process and every other reader's update only formats the reader's part. A path is its
    own key (with its size and modification time).
    """
    return reader_part(stamp_plan(source, skip_first_page=skip_first_page, cache_key=cache_key), line=line, reader=reader)


def stamp_plan(source: str | Path | BinaryIO, *, skip_first_page: bool = True, cache_key: str | None = None) -> StampPlan:
    """The file's plan, from this process's cache when the file was stamped before."""
    handle: BinaryIO = open(source, "rb") if isinstance(source, (str, Path)) else source  # noqa: SIM115
    try:
        if cache_key is None and isinstance(source, (str, Path)):
            stat = os.fstat(handle.fileno())
            cache_key = f"{Path(source).resolve()}:{stat.st_mtime_ns}"
        size = handle.seek(0, os.SEEK_END)
        if cache_key is not None:
            cached = remembered_plan(cache_key, size=size, skip_first_page=skip_first_page)
            if cached is not None:
                return cached
        plan = read_plan(handle, skip_first_page=skip_first_page)
        if cache_key is not None:
            remember_plan(cache_key, plan, skip_first_page=skip_first_page)
        return plan
    finally:
        if handle is not source:
            handle.close()


def remembered_plan(cache_key: str, *, size: int, skip_first_page: bool = True) -> StampPlan | None:
    """The plan this process keeps for the file named ``cache_key`` (``size`` bytes long), if any."""
    key = (cache_key, size, skip_first_page)
    with _PLANS_LOCK:
        if key in _PLANS:
            _PLANS.move_to_end(key)
            return _PLANS[key]
    return None


def remember_plan(cache_key: str, plan: StampPlan, *, skip_first_page: bool = True) -> None:
    with _PLANS_LOCK:
        _PLANS[(cache_key, plan.size, skip_first_page)] = plan
        while len(_PLANS) > PLANS_KEPT:
            _PLANS.popitem(last=False)


def read_plan(handle: BinaryIO, *, skip_first_page: bool = True) -> StampPlan:
    """Work the file's plan out: open it with pikepdf, walk its pages (and unpack the font, once per process)."""
    size, previous, xref_is_stream = _file_end(handle)
    handle.seek(0)
    try:
        pdf = pikepdf.open(handle, attempt_recovery=False)
    except pikepdf.PdfError as exc:
        raise StampError(f"the file is not a readable PDF: {exc}") from exc
    with pdf:
        if pdf.is_encrypted or "/Encrypt" in pdf.trailer:
            raise StampError("the file is encrypted; it cannot be stamped")
        return _plan(pdf, size=size, previous=previous, xref_is_stream=xref_is_stream, skip_first_page=skip_first_page)


def _plan(pdf: pikepdf.Pdf, *, size: int, previous: int, xref_is_stream: bool, skip_first_page: bool) -> StampPlan:
    written: list[pikepdf.Object] = []
    font = _font(pdf)
    # The strip itself is the reader's part: here it only takes its object number.
    strip = pdf.make_stream(b"")
    descriptor = font.FontDescriptor
    written += [descriptor.FontFile2, descriptor, font.ToUnicode, font]
    # The page's own drawing is wrapped in q … Q so whatever state it leaves cannot move the stamp.
    save_state = pdf.make_stream(b"q\n")
    written.append(save_state)
    placements: dict[tuple[float, ...], pikepdf.Object] = {}
    resources_done: set[tuple[int, int]] = set()
    # A file that is only its cover still gets the line: skipping it would leave the copy with no visible reader.
    skip_cover = skip_first_page and len(pdf.pages) > 1
    pages = [
        (page.obj, page.obj.get("/TrimBox") or page.mediabox, _rotation(page.obj))
        for index, page in enumerate(pdf.pages)
        if not (skip_cover and index == 0)
    ]
    # One strip serves every page, so it is as wide as the narrowest page leaves room for: a long line on a
    # pocket-sized page is set smaller rather than run off both edges.
    narrowest = min((_shown_width(box, rotation) for _, box, rotation in pages), default=STRIP_WIDTH_MM * MM)
    strip_width = max(10 * MM, min(STRIP_WIDTH_MM * MM, narrowest - 2 * STRIP_SIDE_MM * MM))
    for obj, box, rotation in pages:
        at = _placement(box, rotation, strip_width)
        if at not in placements:
            matrix = " ".join(f"{value:.3f}" for value in at)
            placements[at] = pdf.make_stream(
                f"\nQ\n/Artifact <</Type /Pagination /Subtype /Footer>> BDC q {matrix} cm {XOBJECT_NAME} Do Q EMC\n".encode(
                    "ascii"
                )
            )
            written.append(placements[at])

        found = inherited(obj, "/Resources")
        resources = found if found is not None else pikepdf.Dictionary()
        shared = resources.is_indirect
        if not shared or resources.objgen not in resources_done:
            merged = with_xobject(resources, XOBJECT_NAME, strip)
            if shared:
                resources.XObject = merged
                resources_done.add(resources.objgen)
                written.append(resources)
            else:
                copy = pikepdf.Dictionary(dict(resources.items()))
                copy.XObject = merged
                obj.Resources = copy
        elif "/Resources" not in obj:
            obj.Resources = resources

        obj.Contents = wrapped_drawing(obj, save_state, placements[at])
        written.append(obj)

    info: pikepdf.Object | None = pdf.trailer.get("/Info")
    info_entries = b"".join(
        b" " + str(key).encode("latin-1") + b" " + value.unparse(resolved=True)
        for key, value in (info.items() if info is not None else ())
        if key != "/MastheadReader"
    )
    if info is None or not info.is_indirect:
        info = pdf.make_indirect(pikepdf.Dictionary())
    first_id = bytes(pdf.trailer["/ID"][0]) if "/ID" in pdf.trailer else None
    xref_number = pdf.make_indirect(pikepdf.Dictionary()).objgen[0]

    out = io.BytesIO()
    out.write(b"\n")  # the file may not end with an end-of-line
    entries = []
    for item in written:
        number, generation = item.objgen
        entries.append((number, generation, out.tell()))
        out.write(_serialise(item))
    return StampPlan(
        size=size,
        previous=previous,
        xref_is_stream=xref_is_stream,
        strip_width=strip_width,
        fixed=out.getvalue(),
        entries=tuple(entries),
        strip=strip.objgen,
        strip_dictionary=_strip_dictionary(font, strip_width),
        info=info.objgen,
        info_entries=info_entries,
        root=pdf.trailer.Root.unparse(resolved=False).decode("latin-1"),
        first_id=first_id,
        # /Size is one more than the highest object number in the file (qpdf warns otherwise): the number kept for
        # a cross-reference stream is the highest, and is used only when the file's own section is a stream.
        trailer_size=max(int(pdf.trailer.Size), xref_number + 1 if xref_is_stream else xref_number),
        xref_number=xref_number,
        metrics=stamp_font().line_metrics,
    )


def reader_part(plan: StampPlan, *, line: str, reader: str) -> bytes:
    """A reader's update from the file's plan: the fixed part, the strip, the document info, the cross-reference."""
    out = bytearray(plan.fixed)
    entries = {number: (plan.size + offset, generation) for number, generation, offset in plan.entries}

    content = _strip_content(drawable_text(line, plan.metrics), plan.strip_width, plan.metrics)
    entries[plan.strip[0]] = (plan.size + len(out), plan.strip[1])
    out += b"%d %d obj\n<< %s /Length %d >>\nstream\n" % (*plan.strip, plan.strip_dictionary, len(content))
    out += content + b"\nendstream\nendobj\n"

    entries[plan.info[0]] = (plan.size + len(out), plan.info[1])
    name = pikepdf.String(reader).unparse()
    out += b"%d %d obj\n<<%s /MastheadReader %s >>\nendobj\n" % (*plan.info, plan.info_entries, name)

    keep = f" /Root {plan.root} /Info {plan.info[0]} {plan.info[1]} R"
    if plan.first_id is not None:
        second = hashlib.sha256(plan.first_id + reader.encode() + line.encode()).digest()[:16]
        keep += f" /ID [ <{plan.first_id.hex()}> <{second.hex()}> ]"
    out += _cross_reference(
        entries,
        start=plan.size + len(out),
        previous=plan.previous,
        size=plan.trailer_size,
        keep=keep,
        xref_number=plan.xref_number,
        as_stream=plan.xref_is_stream,
    )
    return bytes(out)


# --- The plan written down ---------------------------------------------------------------

# Bump when _plan writes anything differently: a plan written by an older version is then worked out again.
PLAN_FORMAT = 1


@functools.cache
def plan_fingerprint() -> str:
    """What a stored plan was made with: this format, the strip's geometry and names, and the font file's bytes.

    A plan whose fingerprint differs (the font or the strip changed since the file was built) is not used.
    Reads the 16 kB font file once per process; the font itself is not unpacked.
    """
    digest = hashlib.sha256()
    parts = (PLAN_FORMAT, FONT_NAME, FIRST_CODE, LAST_CODE, ENCODING, XOBJECT_NAME)
    geometry = (STRIP_WIDTH_MM, STRIP_SIDE_MM, STRIP_HEIGHT_MM, STRIP_BOTTOM_MM)
    digest.update(repr((parts, geometry)).encode())
    digest.update(FONT_FILE.read_bytes())
    return digest.hexdigest()[:32]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def plan_to_json(plan: StampPlan, **about: Any) -> bytes:
    """The plan as a JSON document (``about``: entries saying which file it is for, kept beside the plan)."""
    metrics = plan.metrics
    document = {
        **about,
        "fingerprint": plan_fingerprint(),
        "plan": {
            "size": plan.size,
            "previous": plan.previous,
            "xref_is_stream": plan.xref_is_stream,
            "strip_width": plan.strip_width,  # a float: JSON writes it so that it reads back exactly
            "fixed": _b64(plan.fixed),
            "entries": [list(entry) for entry in plan.entries],
            "strip": list(plan.strip),
            "strip_dictionary": _b64(plan.strip_dictionary),
            "info": list(plan.info),
            "info_entries": _b64(plan.info_entries),
            "root": plan.root,
            "first_id": None if plan.first_id is None else _b64(plan.first_id),
            "trailer_size": plan.trailer_size,
            "xref_number": plan.xref_number,
            "metrics": {
                "widths": list(metrics.widths),
                "drawable": "".join(sorted(metrics.drawable)),
                "ascent": metrics.ascent,
                "descent": metrics.descent,
            },
        },
    }
    return json.dumps(document, ensure_ascii=True, separators=(",", ":"), sort_keys=True).encode("ascii")


def plan_from_json(data: bytes) -> tuple[StampPlan, dict[str, Any]]:
    """(the plan, the document's other entries) from plan_to_json's bytes.

    StampError names what is wrong with a document that is cut short, not one of ours, or made with another
    font or strip (its fingerprint differs).
    """
    try:
        document = json.loads(data)
        if not isinstance(document, dict):
            raise StampError("the stored plan is not a JSON object")
        if document.get("fingerprint") != plan_fingerprint():
            raise StampError("the stored plan was made with another font or strip layout")
        raw = document.pop("plan")
        metrics = raw["metrics"]
        widths = tuple(int(width) for width in metrics["widths"])
        if len(widths) != LAST_CODE - FIRST_CODE + 1:
            raise StampError(f"the stored plan has {len(widths)} widths, not {LAST_CODE - FIRST_CODE + 1}")
        plan = StampPlan(
            size=int(raw["size"]),
            previous=int(raw["previous"]),
            xref_is_stream=bool(raw["xref_is_stream"]),
            strip_width=float(raw["strip_width"]),
            fixed=base64.b64decode(raw["fixed"], validate=True),
            entries=tuple((int(n), int(g), int(at)) for n, g, at in raw["entries"]),
            strip=(int(raw["strip"][0]), int(raw["strip"][1])),
            strip_dictionary=base64.b64decode(raw["strip_dictionary"], validate=True),
            info=(int(raw["info"][0]), int(raw["info"][1])),
            info_entries=base64.b64decode(raw["info_entries"], validate=True),
            root=str(raw["root"]),
            first_id=None if raw["first_id"] is None else base64.b64decode(raw["first_id"], validate=True),
            trailer_size=int(raw["trailer_size"]),
            xref_number=int(raw["xref_number"]),
            metrics=LineMetrics(
                widths=widths,
                drawable=frozenset(str(metrics["drawable"])),
                ascent=int(metrics["ascent"]),
                descent=int(metrics["descent"]),
            ),
        )
    except StampError:
        raise
    except (ValueError, KeyError, TypeError, IndexError) as exc:  # JSONDecodeError and binascii.Error are ValueErrors
        raise StampError(f"the stored plan cannot be read: {type(exc).__name__}: {exc}") from exc
    return plan, document
