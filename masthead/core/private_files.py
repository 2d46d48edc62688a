"""Private files: what may leave only through the gate (full narrations, edition downloads).

Everything in the public media storage has a URL under MEDIA_URL for as long
as it exists, and whoever saw the name once (in a player, a feed, a shared
link) keeps it. So a file a reader must be entitled to never goes there. It
goes into ``private_storage``, which no URL maps to, and a view that has asked
the gate hands it out with ``serve_private_file``.

The API (narration and editions call exactly these names)::

    from masthead.core.private_files import NO_STORE, PUBLIC_IMMUTABLE, private_storage, serve_private_file

    private_storage                       # a Django Storage: settings.STORAGES["private"]
    name = private_storage.save("editions/2024/06/issue.pdf", content)
    models.FileField(storage=get_private_storage)   # a model field whose files are private

    serve_private_file(
        request,                          # GET or HEAD; the caller has already checked the gate
        name,                             # the storage name, e.g. row.file.name
        *,
        content_type: str,                # "audio/mpeg", "application/pdf", "application/epub+zip"
        filename: str | None = None,      # given: Content-Disposition carries this name
        as_attachment: bool = True,       # with filename: attachment (download) or inline
        cache_control: str = NO_STORE,    # PUBLIC_IMMUTABLE only for files every anonymous reader may have
    ) -> HttpResponseBase

How the bytes leave depends on the deployment, never on the caller:

(a) Embedded default (FileSystemStorage under PRIVATE_FILES_ROOT, outside
    MEDIA_ROOT): the app streams the file, answering Range (206/416), If-Range,
    If-None-Match (304) and HEAD.
(b) PRIVATE_FILES_ACCEL_PREFIX set (nginx in front, deploy/nginx/): the app
    answers with ``X-Accel-Redirect: <prefix><name>`` and nginx serves the file
    from an ``internal`` location that no client request can reach.
(c) Private storage on S3 (PRIVATE_S3_BUCKET / S3_BUCKET): a 302 to a signed URL
    that works for PRIVATE_FILES_SIGNED_URL_SECONDS; the redirect itself is never
    cached, and the signed URL asks S3 to send this Cache-Control.

A name that is not a plain relative storage name (absolute, "..", empty
segments, backslashes, control characters) and a missing file both answer 404:
names usually come from database rows, but a caller may build one from a URL.
serve_private_file does no access check itself; callers must gate first.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from typing import Any, cast
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.core.files.storage import Storage, storages
from django.core.signals import setting_changed
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect, StreamingHttpResponse
from django.utils.functional import LazyObject, empty
from django.utils.http import content_disposition_header

from masthead.core.byteranges import ByteRange, Unsatisfiable, etag_matches, parse_range, stream

__all__ = [
    "NO_STORE",
    "PUBLIC_IMMUTABLE",
    "get_private_storage",
    "private_storage",
    "serve_private_file",
]

# Gated files: nothing may keep a copy, so a refund or lapse takes effect at the
# reader's next request rather than when a browser cache expires.
NO_STORE = "private, no-store"
# Files every anonymous reader may have, whose name changes whenever the bytes do.
PUBLIC_IMMUTABLE = "public, max-age=31536000, immutable"

_UNSAFE = re.compile(r"[\x00-\x1f\x7f\\]")


class _PrivateStorage(LazyObject):
    def _setup(self) -> None:
        self._wrapped = storages["private"]


private_storage = cast(Storage, _PrivateStorage())


def get_private_storage() -> Storage:
    """For ``FileField(storage=get_private_storage)``: migrations record this function, not a storage."""
    return private_storage


def _forget_storage(*, setting: str, **kwargs: Any) -> None:
    if setting == "STORAGES":
        private_storage._wrapped = empty  # type: ignore[attr-defined]


setting_changed.connect(_forget_storage, dispatch_uid="masthead.core.private_files")


def checked_name(name: str) -> str:
    """The name if it is a plain relative storage name; Http404 otherwise (traversal, tricks)."""
    if not isinstance(name, str) or not name or name.startswith("/") or _UNSAFE.search(name):
        raise Http404("No such file.")
    if any(part in ("", ".", "..") for part in name.split("/")):
        raise Http404("No such file.")
    return name


def _is_local(storage: Storage) -> bool:
    try:
        storage.path("probe")
    except NotImplementedError:
        return False
    return True


def _disposition(filename: str | None, as_attachment: bool) -> str | None:
    if filename is None:
        return None
    return content_disposition_header(as_attachment, filename)


def _with_headers(response: HttpResponseBase, headers: dict[str, str]) -> HttpResponseBase:
    for key, value in headers.items():
        response[key] = value
    return response


def _stream_from_app(
    request: HttpRequest, storage: Storage, name: str, *, content_type: str, cache_control: str, disposition: str | None
) -> HttpResponseBase:
    try:
        path = storage.path(name)
        info = os.stat(path)
    except (OSError, SuspiciousFileOperation):
        raise Http404("No such file.") from None
    if not stat.S_ISREG(info.st_mode):
        raise Http404("No such file.")
    size = info.st_size
    etag = f'"{info.st_mtime_ns:x}-{size:x}"'
    headers = {"ETag": etag, "Accept-Ranges": "bytes", "Cache-Control": cache_control}
    if disposition:
        headers["Content-Disposition"] = disposition

    if etag_matches(request.headers.get("If-None-Match"), etag):
        return _with_headers(HttpResponse(status=304), headers)

    byte_range: ByteRange | None
    try:
        byte_range = parse_range(request.headers.get("Range"), size)
    except Unsatisfiable:
        return _with_headers(HttpResponse(status=416), {**headers, "Content-Range": f"bytes */{size}"})

    # If-Range: the client's copy is stale, so a partial answer would corrupt it.
    if_range = request.headers.get("If-Range")
    if byte_range is not None and if_range and if_range.strip() != etag:
        byte_range = None

    start, length, status = (0, size, 200) if byte_range is None else (byte_range.start, byte_range.length, 206)
    body: Iterator[bytes] | list[bytes] = []
    if request.method != "HEAD":
        try:
            handle = open(path, "rb")  # noqa: SIM115 - closed by stream() when the response is done
        except OSError:
            raise Http404("No such file.") from None
        body = stream(handle, start, length)
    response = StreamingHttpResponse(body, status=status, content_type=content_type)
    response["Content-Length"] = str(length)
    if byte_range is not None:
        response["Content-Range"] = f"bytes {byte_range.start}-{byte_range.end}/{size}"
    return _with_headers(response, headers)


def _accel_redirect(name: str, *, content_type: str, cache_control: str, disposition: str | None) -> HttpResponseBase:
    # nginx decodes %XX in X-Accel-Redirect and refuses "..": quoting keeps "?" and "%" in names literal.
    response = HttpResponse(content_type=content_type)
    response["X-Accel-Redirect"] = settings.PRIVATE_FILES_ACCEL_PREFIX + quote(name, safe="/")
    headers = {"Cache-Control": cache_control}
    if disposition:
        headers["Content-Disposition"] = disposition
    return _with_headers(response, headers)


def _signed_redirect(
    request: HttpRequest, storage: Storage, name: str, *, content_type: str, cache_control: str, disposition: str | None
) -> HttpResponseBase:
    if not getattr(storage, "querystring_auth", False):
        raise ImproperlyConfigured("The private storage must sign its URLs (masthead.core.s3_storage.PrivateS3Storage).")
    # S3 sends these headers with the object, so the browser treats the file as the app would.
    parameters = {"ResponseCacheControl": cache_control, "ResponseContentType": content_type}
    if disposition:
        parameters["ResponseContentDisposition"] = disposition
    url = storage.url(  # type: ignore[call-arg]
        name,
        parameters=parameters,
        expire=settings.PRIVATE_FILES_SIGNED_URL_SECONDS,
        # SigV4 signs the method: a HEAD on a URL signed for GET is refused.
        http_method="HEAD" if request.method == "HEAD" else "GET",
    )
    response = HttpResponseRedirect(url)
    # The URL stops working within a minute; a cached redirect would outlive it (and the gate's answer).
    response["Cache-Control"] = NO_STORE
    return response


def serve_private_file(
    request: HttpRequest,
    name: str,
    *,
    content_type: str,
    filename: str | None = None,
    as_attachment: bool = True,
    cache_control: str = NO_STORE,
) -> HttpResponseBase:
    """Hand one private file to a reader the caller has already let through the gate (see the module docstring)."""
    name = checked_name(name)
    disposition = _disposition(filename, as_attachment)
    storage = private_storage
    if not _is_local(storage):
        return _signed_redirect(
            request, storage, name, content_type=content_type, cache_control=cache_control, disposition=disposition
        )
    if settings.PRIVATE_FILES_ACCEL_PREFIX:
        return _accel_redirect(name, content_type=content_type, cache_control=cache_control, disposition=disposition)
    return _stream_from_app(
        request, storage, name, content_type=content_type, cache_control=cache_control, disposition=disposition
    )
