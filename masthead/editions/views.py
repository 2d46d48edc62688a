"""Downloads of an issue's files, through the gate.

Every answer is personal (``Cache-Control: private, no-store``). A reader who may
not have the file is sent to the issue page's digital-edition box (subscribe or
sign in) and never gets a byte of it. The PDF and EPUB are stamped with the
reader's address on the way out (editions.stamping): the PDF is the built file
streamed as it is, followed by the reader's incremental update; the audio edition is the
built file, served with byte ranges so players can seek.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import IO, Any, cast

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods

from masthead.core.private_files import serve_private_file
from masthead.editions import access, stamping
from masthead.editions.models import EditionFile, Kind, edition_storage
from masthead.editions.services import current_files
from masthead.newsroom.models import IssuePage

log = logging.getLogger(__name__)

NO_STORE = "private, no-store"


def _issue(slug: str, user: Any) -> IssuePage:
    issue = IssuePage.objects.filter(slug=slug).first()
    if issue is None or (not issue.live and not access.is_staff(user)):
        raise Http404("No such issue.")
    return cast(IssuePage, issue)


def _refused(issue: IssuePage) -> HttpResponse:
    response = HttpResponseRedirect(f"{issue.url or '/'}#digital-edition")
    response["Cache-Control"] = NO_STORE
    return response


def filename(issue: IssuePage, row: EditionFile) -> str:
    suffix = {Kind.PRINT: "-print", Kind.PRINT_COVER: "-print-cover"}.get(Kind(row.kind), "")
    return f"{issue.slug}{suffix}.{row.extension}"


def _local_path(name: str) -> str | None:
    try:
        return str(edition_storage().path(name))
    except NotImplementedError:
        return None


@require_http_methods(["GET", "HEAD"])
def download(request: HttpRequest, slug: str, kind: str) -> HttpResponseBase:
    issue = _issue(slug, request.user)
    if not access.may_download(request.user, kind):
        return _refused(issue)
    row = current_files(issue, [kind]).get(kind)
    if row is None:
        response = HttpResponse(
            "This edition file is being prepared. Please try again in a few minutes.",
            status=404,
            content_type="text/plain; charset=utf-8",
        )
        response["Cache-Control"] = NO_STORE
        return response
    name = row.file.name
    if kind == Kind.AUDIO:
        # Inline: a browser plays it (with byte ranges, so it can seek); "Save as" gets the name.
        return serve_private_file(
            request, name, content_type=row.content_type, filename=filename(issue, row), as_attachment=False
        )
    if kind in (Kind.PRINT, Kind.PRINT_COVER):
        return serve_private_file(request, name, content_type=row.content_type, filename=filename(issue, row))
    return _stamped(request, issue, row)


def _then(source: IO[bytes], update: bytes, chunk: int = 1 << 20) -> Iterator[bytes]:
    """The built file as it is, then the reader's update; the file is closed when the response is."""
    try:
        source.seek(0)
        while data := source.read(chunk):
            yield data
        yield update
    finally:
        source.close()


def _stamped(request: HttpRequest, issue: IssuePage, row: EditionFile) -> HttpResponseBase:
    from django.http import FileResponse

    email = getattr(request.user, "email", "") or getattr(request.user, "username", "")
    today = timezone.localdate()
    storage = edition_storage()
    if row.kind == Kind.PDF:
        local = _local_path(row.file.name)
        source = open(local, "rb") if local is not None else storage.open(row.file.name, "rb")  # noqa: SIM115
        try:
            # The file's stamp layout was worked out when it was built and is kept beside it (or cached here).
            update = stamping.download_update(storage=storage, name=row.file.name, source=source, email=email, on=today)
            size = source.seek(0, io.SEEK_END)
        except Exception:
            source.close()
            raise
        response: HttpResponseBase = StreamingHttpResponse(_then(source, update), content_type=row.content_type)
        response["Content-Length"] = str(size + len(update))
        response["Content-Disposition"] = content_disposition_header(True, filename(issue, row)) or "attachment"
    else:
        with storage.open(row.file.name, "rb") as source:
            colophon = row.details.get("colophon") or {"full_title": issue.title, "publisher": "", "language": "en"}
            copy = stamping.stamp_epub(source, email=email, on=today, colophon=colophon)
        response = FileResponse(copy, content_type=row.content_type, as_attachment=True, filename=filename(issue, row))
    response["Cache-Control"] = NO_STORE
    response["X-Content-Type-Options"] = "nosniff"
    return response
