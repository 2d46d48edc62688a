# mypy: allow-subclassing-any
# (django-storages ships no type information, so S3Storage is Any to mypy.)
"""S3 versions of the two storages (django-storages), named in settings.STORAGES when S3_BUCKET is set.

Kept apart from storage.py because importing django-storages' S3 backend
imports boto3, which a site without S3 never needs.
"""

from __future__ import annotations

from typing import Any

from django.utils.deconstruct import deconstructible
from storages.backends.s3 import S3Storage

from masthead.core.storage import SanitisedSvgMixin, UniqueNamesMixin


@deconstructible(path="masthead.core.s3_storage.PublicS3Storage")
class PublicS3Storage(SanitisedSvgMixin, UniqueNamesMixin, S3Storage):
    """Public media in the bucket; every object is sent with a year-long immutable Cache-Control."""


@deconstructible(path="masthead.core.s3_storage.PrivateS3Storage")
class PrivateS3Storage(S3Storage):
    """Private files: objects written with a private ACL, read only through short-lived signed URLs.

    The options that would make an object public are forced off here, whatever
    settings say: no public-read ACL, no unsigned URLs, no CDN domain (a custom
    domain makes django-storages return unsigned URLs). Signatures are SigV4,
    whose URLs carry their own lifetime (X-Amz-Expires) and which every S3
    region accepts.
    """

    def __init__(self, **settings: Any) -> None:
        settings.update(default_acl="private", querystring_auth=True, custom_domain=None, file_overwrite=False)
        settings.setdefault("signature_version", "s3v4")
        super().__init__(**settings)
