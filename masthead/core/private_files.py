"""Private storage: files no public URL maps to, served only by views that asked the gate first.

Minimal version written by the editions branch so it can land on its own; the
private-files work replaces this module at merge (same names: ``private_storage``
and ``serve_private_file``), adding X-Accel-Redirect behind nginx and S3
signed URLs. Here: a FileSystemStorage under VAR_DIR/private, streamed by Django.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, HttpRequest

PRIVATE_CACHE_CONTROL = "private, no-store"


class PrivateFileStorage(FileSystemStorage):
    """Under VAR_DIR/private, read at each use (tests move VAR_DIR); no URL ever."""

    @property
    def base_location(self) -> str:
        return str(Path(settings.VAR_DIR) / "private")

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("private files have no public URL; serve them with serve_private_file after the gate")


private_storage = PrivateFileStorage()


def serve_private_file(
    request: HttpRequest,
    name: str,
    *,
    content_type: str,
    filename: str | None = None,
    cache_control: str = PRIVATE_CACHE_CONTROL,
) -> FileResponse:
    """Stream one private file to a reader the caller has already let through the gate."""
    handle = private_storage.open(name, "rb")
    response = FileResponse(handle, content_type=content_type, as_attachment=filename is not None, filename=filename or "")
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    return response
