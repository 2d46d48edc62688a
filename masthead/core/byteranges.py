"""HTTP Range for files the app streams itself (RFC 9110 §14).

Why not django.views.static.serve or FileResponse: neither answers a Range
request, and Safari/AppleCoreMedia first asks for `bytes=0-1` and refuses to
play without a 206; Apple Podcasts and download managers need byte ranges too.

A Range header is attacker-controlled text. Python refuses to turn more than
4,300 digits into an int (ValueError, which used to be a 500), so positions are
read from at most MAX_DIGITS digits: anything longer is past the end of every
file we could hold, which is what the number means anyway.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

CHUNK_SIZE = 64 * 1024
# 18 digits < 2**63: more than any file, and cheap to parse.
MAX_DIGITS = 18
BEYOND_ANY_FILE = 10**MAX_DIGITS

# ASCII digits only: \d would also match other scripts' digits, which int() accepts.
_RANGE_RE = re.compile(r"^\s*([0-9]*)\s*-\s*([0-9]*)\s*$", re.ASCII)


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive, as in Content-Range

    @property
    def length(self) -> int:
        return self.end - self.start + 1


class Unsatisfiable(Exception):
    """The Range header is well formed but asks for nothing inside the file (416)."""


def _position(digits: str) -> int:
    return int(digits) if len(digits) <= MAX_DIGITS else BEYOND_ANY_FILE


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The one range to send, or None to send the whole file (200).

    RFC 9110 lets a server ignore a Range it does not understand, so a
    malformed header or a multi-range request gets the whole file rather than
    an error; a well-formed range that starts past the end raises Unsatisfiable.
    """
    if not header:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or not spec or "," in spec:
        return None
    match = _RANGE_RE.match(spec)
    if not match:
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":
        # Suffix range: the last N bytes.
        suffix = _position(last)
        if suffix == 0 or size == 0:
            raise Unsatisfiable
        return ByteRange(max(0, size - suffix), size - 1)
    start = _position(first)
    end = _position(last) if last != "" else size - 1
    if last != "" and end < start:
        return None  # invalid per RFC 9110 §14.1.1: ignore it
    if start >= size:
        raise Unsatisfiable
    return ByteRange(start, min(end, size - 1))


def etag_matches(header: str | None, etag: str) -> bool:
    """If-None-Match: weak comparison, as RFC 9110 §13.1.2 asks for GET."""
    if not header:
        return False
    if header.strip() == "*":
        return True
    candidates = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return etag in candidates


def stream(handle: IO[bytes], start: int, length: int) -> Iterator[bytes]:
    """length bytes of an open file from start, in chunks; closes the file when done or abandoned."""
    try:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        handle.close()
