"""Serve a stored audio file with HTTP Range support, through Django storage.

Why not django.views.static.serve or FileResponse: neither answers a Range
request, and Safari/AppleCoreMedia first asks for `bytes=0-1` and refuses to
play without a 206; Apple Podcasts needs byte ranges too. Files are never
overwritten (a new narration is a new file at a new URL), so an ETag made from
the file's identity and size is strong and the bytes may be cached for a year
when the audio is public.

Local files are streamed in chunks from storage. Remote storage (S3) answers
Range itself, so we redirect to it: to the plain URL for public audio, to a
short-lived signed URL for gated audio.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.files.storage import Storage
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect, StreamingHttpResponse

CHUNK_SIZE = 64 * 1024
PUBLIC_MAX_AGE = 365 * 24 * 3600
PRIVATE_MAX_AGE = 3600
SIGNED_URL_SECONDS = 300

_RANGE_RE = re.compile(r"^\s*(\d*)\s*-\s*(\d*)\s*$")


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive, as in Content-Range

    @property
    def length(self) -> int:
        return self.end - self.start + 1


class Unsatisfiable(Exception):
    """The Range header is well formed but asks for nothing inside the file (416)."""


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
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise Unsatisfiable
        return ByteRange(max(0, size - suffix), size - 1)
    start = int(first)
    end = int(last) if last != "" else size - 1
    if last != "" and end < start:
        return None  # invalid per RFC 9110 §14.1.1: ignore it
    if start >= size:
        raise Unsatisfiable
    return ByteRange(start, min(end, size - 1))


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    candidates = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return etag in candidates


def _stream(storage: Storage, name: str, start: int, length: int) -> Iterator[bytes]:
    with storage.open(name, "rb") as handle:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk


def _is_local(storage: Storage) -> bool:
    try:
        storage.path("probe")
    except NotImplementedError:
        return False
    return True


def _remote_url(storage: Storage, name: str, *, public: bool) -> str:
    if not public and hasattr(storage, "bucket_name") and hasattr(storage, "connection"):
        # django-storages' S3: sign even when the bucket is otherwise served unsigned.
        client: Any = storage.connection.meta.client
        key = storage._normalize_name(name)  # type: ignore[attr-defined]  # noqa: SLF001
        return str(
            client.generate_presigned_url(
                "get_object", Params={"Bucket": storage.bucket_name, "Key": key}, ExpiresIn=SIGNED_URL_SECONDS
            )
        )
    return storage.url(name)


def cache_control(*, public: bool) -> str:
    if public:
        return f"public, max-age={PUBLIC_MAX_AGE}, immutable"
    # Gated audio: the reader's browser may keep it, no shared cache may.
    return f"private, max-age={PRIVATE_MAX_AGE}"


def serve_file(
    request: HttpRequest,
    *,
    storage: Storage,
    name: str,
    etag_seed: str,
    public: bool,
    content_type: str = "audio/mpeg",
    size: int | None = None,
) -> HttpResponseBase:
    """Answer GET/HEAD for one immutable stored file, honouring Range, If-Range and If-None-Match."""
    if not _is_local(storage):
        response: HttpResponseBase = HttpResponseRedirect(_remote_url(storage, name, public=public))
        response["Cache-Control"] = cache_control(public=public) if public else "private, no-store"
        return response

    if size is None:
        size = storage.size(name)
    etag = f'"{etag_seed}-{size}"'
    headers = {"ETag": etag, "Accept-Ranges": "bytes", "Cache-Control": cache_control(public=public)}

    if _etag_matches(request.headers.get("If-None-Match"), etag):
        response = HttpResponse(status=304)
        for key, value in headers.items():
            response[key] = value
        return response

    byte_range: ByteRange | None
    try:
        byte_range = parse_range(request.headers.get("Range"), size)
    except Unsatisfiable:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        for key, value in headers.items():
            response[key] = value
        return response

    # If-Range: the client's copy is stale, so a partial answer would corrupt it.
    if_range = request.headers.get("If-Range")
    if byte_range is not None and if_range and if_range.strip() != etag:
        byte_range = None

    start, length, status = (0, size, 200) if byte_range is None else (byte_range.start, byte_range.length, 206)
    body: Iterator[bytes] | list[bytes] = [] if request.method == "HEAD" else _stream(storage, name, start, length)
    streaming = StreamingHttpResponse(body, status=status, content_type=content_type)
    streaming["Content-Length"] = str(length)
    if byte_range is not None:
        streaming["Content-Range"] = f"bytes {byte_range.start}-{byte_range.end}/{size}"
    for key, value in headers.items():
        streaming[key] = value
    return streaming
