"""Gzip for the pages the page cache does not store, at the least CPU per request.

The page cache stores anonymous pages gzipped once (masthead/core/pagecache.py).
What is left is rendered per request: forms (plans, sign-in, account) and the
signed-in reader's pages, served from shells (masthead/core/shells.py).

- `CompressionMiddleware` gzips a rendered text response for a client that asks,
  through Django's `compress_string`, which pads the gzip header with random
  bytes against BREACH (Django also masks the CSRF token afresh per response).
  Files (audio, images, downloads) stream and are left alone.
- A shell's shared text is deflated once, when the shell is stored, each part
  ending on a byte boundary with a fresh dictionary (zlib's full flush); a
  request then only adds its per-reader parts as stored (uncompressed) blocks
  and the checksum. Compressing the whole page per request cost about a third
  of a signed-in article's serving time (380 µs of 1,038 µs, measured); this
  costs a CRC over the bytes. The per-reader parts, where a CSRF token or an
  email address may sit, are never compressed, so their length reveals nothing.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Iterable
from typing import NamedTuple

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import patch_vary_headers
from django.utils.text import compress_string

from masthead.core.pagecache import accepts_gzip, use_gzip, worth_gzipping

# ID1 ID2, deflate, no flags, no mtime (the same text gives the same bytes), no extra flags, OS unknown.
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
# An empty final stored block: BFINAL=1, BTYPE=00, LEN=0, NLEN=0xffff.
_LAST_BLOCK = b"\x01\x00\x00\xff\xff"
_STORED_MAX = 0xFFFF


class Deflated(NamedTuple):
    """Shared text of a page, with its raw deflate stream that ends byte-aligned and owes nothing to what came before."""

    data: bytes
    deflated: bytes


def deflate(text: str) -> Deflated:
    data = text.encode()
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return Deflated(data, compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH))


def _stored_blocks(data: bytes) -> Iterable[bytes]:
    for start in range(0, len(data), _STORED_MAX):
        chunk = data[start : start + _STORED_MAX]
        # BFINAL=0, BTYPE=00 padded to the byte, then LEN and its ones' complement.
        yield b"\x00" + struct.pack("<HH", len(chunk), len(chunk) ^ 0xFFFF)
        yield chunk


def plain_join(parts: Iterable[Deflated | bytes]) -> bytes:
    return b"".join(part.data if isinstance(part, Deflated) else part for part in parts)


def gzip_join(parts: Iterable[Deflated | bytes]) -> bytes:
    """One gzip member holding the parts in order: Deflated ones as they were deflated, bytes as stored blocks."""
    packed: list[bytes] = [_GZIP_HEADER]
    crc = size = 0
    for part in parts:
        data = part.data if isinstance(part, Deflated) else part
        if not data:
            continue
        packed.extend((part.deflated,) if isinstance(part, Deflated) else _stored_blocks(data))
        crc = zlib.crc32(data, crc)
        size += len(data)
    packed.append(_LAST_BLOCK)
    packed.append(struct.pack("<II", crc, size & 0xFFFFFFFF))
    return b"".join(packed)


def compressible(response: HttpResponseBase) -> bool:
    if response.streaming or response.status_code == 206:
        return False
    content: bytes = response.content  # type: ignore[attr-defined]
    return worth_gzipping(len(content), response.get("Content-Type", ""), encoded=response.has_header("Content-Encoding"))


class CompressionMiddleware:
    """Outermost: what any other middleware writes into a body is written before it is compressed."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not compressible(response):
            return response
        patch_vary_headers(response, ("Accept-Encoding",))
        if not accepts_gzip(request.META):
            return response
        content: bytes = response.content  # type: ignore[attr-defined]
        packed = compress_string(content, max_random_bytes=100)
        if len(packed) < len(content):
            use_gzip(response, packed)
        return response


def response_from_parts(request: HttpRequest, parts: list[Deflated | bytes], *, compress: bool) -> HttpResponse:
    """A page joined from shell parts: gzipped when `compress` and the client asks, plain otherwise."""
    if not compress:
        return HttpResponse(plain_join(parts))
    if not accepts_gzip(request.META):
        response = HttpResponse(plain_join(parts))
    else:
        response = HttpResponse()
        use_gzip(response, gzip_join(parts))
    patch_vary_headers(response, ("Accept-Encoding",))
    return response
