"""The two file storages: public media (MEDIA_URL maps to it) and private files (no URL maps to it).

Public media (images, renditions, documents) is served for a year as
immutable, by the app, nginx or a CDN. That is only honest if a URL never
changes its bytes, and Django's storages reuse a name once its file is
deleted (delete "photo.jpg", upload another "photo.jpg": same URL, new
picture, old one still in every cache). UniqueNamesMixin gives every saved
file a fresh random suffix, so a name is never handed out twice. An SVG in
public media is a document of our origin, so SanitisedSvgMixin rewrites every
.svg to what draws before it is stored (core.svg).

Private files (full narrations, paragraph clips, edition downloads) go to
PrivateFileSystemStorage under PRIVATE_FILES_ROOT, outside MEDIA_ROOT; see
masthead/core/private_files.py for how they are served. The S3 versions of
both are in masthead/core/s3_storage.py (imported only when S3 is configured).
"""

from __future__ import annotations

import posixpath
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible
from django.utils.functional import cached_property

from masthead.core import svg

PUBLIC_MEDIA_CACHE_CONTROL = "public, max-age=31536000, immutable"


class SanitisedSvgMixin:
    """Every .svg written to public media is first made safe (core.svg.sanitise): it is served from our origin.

    The admin's upload form sanitises already and says what it refused; this
    covers every other way a file gets here (a script, an importer, the
    multiple uploader's retry, a rendition), so no path stores an SVG that
    could run script. A file that cannot be made safe raises svg.UnsafeSvg.
    """

    def _save(self, name: str, content: Any) -> str:
        if svg.is_svg_name(name):
            content.seek(0)
            content = ContentFile(svg.sanitise(content.read()))
        saved: str = super()._save(name, content)  # type: ignore[misc]
        return saved


class UniqueNamesMixin:
    """Every save gets a new name (root_<7 random characters>.ext), never one a deleted file had."""

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        name = str(name).replace("\\", "/")
        dir_name, file_name = posixpath.split(name)
        ext = "".join(PurePosixPath(file_name).suffixes)
        root = file_name.removesuffix(ext)
        suffixed = posixpath.join(dir_name, self.get_alternative_name(root, ext))  # type: ignore[attr-defined]
        if max_length is not None and len(suffixed) > max_length:
            root = root[: max(1, len(root) - (len(suffixed) - max_length))]
            suffixed = posixpath.join(dir_name, self.get_alternative_name(root, ext))  # type: ignore[attr-defined]
        # The parent still checks that nobody holds the name now (and validates it).
        available: str = super().get_available_name(suffixed, max_length)  # type: ignore[misc]
        return available


@deconstructible(path="masthead.core.storage.PublicMediaStorage")
class PublicMediaStorage(SanitisedSvgMixin, UniqueNamesMixin, FileSystemStorage):
    """MEDIA_ROOT, served at MEDIA_URL for a year."""


@deconstructible(path="masthead.core.storage.PrivateFileSystemStorage")
class PrivateFileSystemStorage(FileSystemStorage):
    """Files under PRIVATE_FILES_ROOT. They have no URL: serve them with private_files.serve_private_file."""

    def __init__(self, location: str | None = None, **options: Any) -> None:
        super().__init__(location=location, **options)
        self._private_root = location

    @cached_property
    def base_location(self) -> Any:
        # Read when first needed (and again after a settings change), like MEDIA_ROOT for media.
        return self._value_or_setting(self._private_root, settings.PRIVATE_FILES_ROOT)

    @cached_property
    def base_url(self) -> Any:
        return None

    def url(self, name: str | None) -> str:
        raise NotImplementedError(
            "Private files have no URL; a view checks the gate and answers with private_files.serve_private_file()."
        )

    def _clear_cached_properties(self, setting: Any, **kwargs: Any) -> None:
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_FILES_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)
