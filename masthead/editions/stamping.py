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

The PDF's stamp layout (pdf_stamp.StampPlan: everything of the update that does not depend on the
reader) is worked out when the file is built and kept beside it in the same storage, as
``<file name>.stamp.json`` (``store_layout``, called by services.build). A download in a process that
has never stamped the file reads that small document instead of opening the PDF with pikepdf and
unpacking the font (~0.35 s of CPU on first use, per file and worker process). A file built before
layouts were kept, or whose layout is missing, unreadable or made for another font or strip, is
worked out as before and its layout stored then, so the next process only reads it.

The layout names its file (storage name, which carries a hash of the bytes, and size) and is written
whole or not at all: on a local disk into a temporary file renamed over the final name, on an
object store (S3) as one PUT. A layout that does not name the file it sits beside is ignored.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import stat
import tempfile
import zipfile
from datetime import date
from pathlib import Path
from typing import IO, Any, BinaryIO

from django.core.files.base import ContentFile

from masthead.editions import pdf_stamp
from masthead.editions.builders.epub import COLOPHON_NAME, colophon_xhtml

log = logging.getLogger(__name__)

LAYOUT_SUFFIX = ".stamp.json"
LAYOUT_FORMAT = 1


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


def download_update(*, storage: Any, name: str, source: BinaryIO, email: str, on: date) -> bytes:
    """The reader's update for the built PDF stored as ``name`` (open as ``source``), for a download.

    The layout comes from this process's cache, else from the one stored beside the file, else it is
    worked out from the file (a file built before layouts were kept) and stored for the next process.
    """
    size = source.seek(0, os.SEEK_END)
    plan = pdf_stamp.remembered_plan(name, size=size)
    if plan is None:
        plan = stored_layout(storage=storage, name=name, size=size)
        if plan is None:
            source.seek(0)
            plan = pdf_stamp.read_plan(source)
            try:
                _write_layout(storage, name, plan)
            except Exception:  # the reader still gets the copy; the next process works it out again
                log.warning("could not store the stamp layout of %s", name, exc_info=True)
        pdf_stamp.remember_plan(name, plan)
    return pdf_stamp.reader_part(plan, line=reader_line(email, on), reader=email)


def layout_name(name: str) -> str:
    """Where the stamp layout of the built file ``name`` is kept: beside it, in the same storage."""
    return name + LAYOUT_SUFFIX


def store_layout(*, storage: Any, name: str, path: str | Path) -> None:
    """Work out the stamp layout of the built PDF at ``path`` (stored as ``name``) and keep it beside the file.

    StampError when the file cannot take a stamp; OSError when storage fails (nothing is left half-written).
    """
    with open(path, "rb") as handle:
        plan = pdf_stamp.read_plan(handle)
    _write_layout(storage, name, plan)


def stored_layout(*, storage: Any, name: str, size: int) -> pdf_stamp.StampPlan | None:
    """The layout kept beside ``name``, if there is one that names this file (and its ``size``); else None."""
    try:
        with storage.open(layout_name(name), "rb") as handle:
            data = handle.read()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except Exception:  # e.g. an object store's client error: the layout is worked out again, the reader still gets the copy
        log.warning("could not read the stamp layout of %s", name, exc_info=True)
        return None
    try:
        plan, about = pdf_stamp.plan_from_json(data)
    except pdf_stamp.StampError as exc:
        log.warning("ignoring the stamp layout of %s: %s", name, exc)
        return None
    if about.get("format") != LAYOUT_FORMAT or about.get("file") != name or plan.size != size:
        log.warning("ignoring the stamp layout of %s: it describes another file (%s)", name, about.get("file"))
        return None
    return plan


def delete_layout(*, storage: Any, name: str) -> None:
    """Remove the layout kept beside ``name`` (with the file: a layout never outlives its file)."""
    with contextlib.suppress(FileNotFoundError):
        storage.delete(layout_name(name))


def _write_layout(storage: Any, name: str, plan: pdf_stamp.StampPlan) -> None:
    data = pdf_stamp.plan_to_json(plan, format=LAYOUT_FORMAT, file=name)
    target = layout_name(name)
    try:
        path: Path | None = Path(storage.path(target))
    except NotImplementedError:
        path = None
    if path is None:
        # An object store puts an object whole or not at all; overwrite rather than let it pick another name.
        if storage.exists(target):
            storage.delete(target)
        saved = storage.save(target, ContentFile(data))
        if saved != target:  # another process stored the same layout meanwhile; ours is the spare
            storage.delete(saved)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        with contextlib.suppress(OSError):  # readable by whoever may read the file it describes
            os.chmod(temporary, stat.S_IMODE(os.stat(storage.path(name)).st_mode))
        # A reader sees the old name's content or the whole new one, never part of it.
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


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
