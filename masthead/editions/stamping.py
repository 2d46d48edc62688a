"""Per-reader copies, made at download time from the one built file.

PDF: a one-line strip ("Prepared for reader@example.com …") drawn in the
edition's own font as one Form XObject on every page but the cover, wrapped in
/Artifact so the tagged (PDF/UA) structure stays valid, and the reader written
into the document info — all as an incremental update appended to the built
file (editions.pdf_stamp), so the file itself is streamed untouched.

EPUB: the colophon is the last entry of the zip (builders.epub), so the copy is
the built file with its tail replaced: zipfile in append mode is pointed at the
colophon's local header, writes the reader's colophon there and a new central
directory after it. Every other entry is copied byte for byte.

Both are deterrents, not DRM: they make a shared copy traceable to its reader.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from datetime import date
from pathlib import Path
from typing import IO, Any, BinaryIO

from masthead.editions import pdf_stamp
from masthead.editions.builders.epub import COLOPHON_NAME, colophon_xhtml


def reader_line(email: str, on: date) -> str:
    return f"Prepared for {email} on {on.isoformat()}. Please do not share this copy."


def pdf_update(
    source: str | Path | BinaryIO, *, email: str, on: date, skip_first_page: bool = True, cache_key: str | None = None
) -> bytes:
    """What to append to the built PDF for this reader's copy (pdf_stamp: an incremental update).

    ``cache_key`` (the built file's storage name) lets the file's reader-independent part be worked out
    once per process (pdf_stamp.stamp_plan); a path is its own key.
    """
    return pdf_stamp.reader_update(
        source, line=reader_line(email, on), reader=email, skip_first_page=skip_first_page, cache_key=cache_key
    )


def stamp_pdf(source: str | Path | BinaryIO, *, email: str, on: date, skip_first_page: bool = True) -> bytes:
    """The reader's whole copy in memory; downloads stream the file and append pdf_update instead."""
    update = pdf_update(source, email=email, on=on, skip_first_page=skip_first_page)
    if isinstance(source, (str, Path)):
        return Path(source).read_bytes() + update
    source.seek(0)
    return source.read() + update


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
