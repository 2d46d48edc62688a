"""The edition's image sizes, made ahead of the build: when a photograph is uploaded or an article published.

Resampling a photograph is nearly all of a first EPUB build (bench, 40-article issue with 81 photos of
2400 × 1600: 16–18 CPU s, against 1.6 s when the renditions exist) — Pillow decodes the full image,
resamples it with Lanczos and encodes the JPEG, ~0.2 CPU s per image and size. An issue's photographs
are uploaded while its articles are written, days before the issue is published, so the editions
worker makes the sizes then, and the issue's builds only copy them. They are ordinary Wagtail
renditions (builders.content.rendition_spec), so a build finds them the way it would have made
them, and a rendition that is missing (an image uploaded before this existed) is still made in the build.

The print interior's 3000 px size is left to its own build: it is the printer's file, built once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from masthead.editions.builders.content import edition_rendition

EPUB_PX = 1200  # builders.epub.IMAGE_MAX_PX
READING_PDF_PX = 1600  # builders.pdf.READING_IMAGE_PX
SIZES = (EPUB_PX, READING_PDF_PX)

log = logging.getLogger(__name__)


def prepare(image_ids: Iterable[int]) -> int:
    """Make the edition's renditions of these images (those that exist are found, not remade). Returns how many images."""
    from wagtail.images import get_image_model

    done = 0
    for image in get_image_model().objects.filter(pk__in=set(image_ids)):
        if not image.file:
            continue
        try:
            # One at a time: get_rendition's get_or_create copes with a build making the same one at once.
            for px in SIZES:
                edition_rendition(image, px)
        except (OSError, ValueError) as exc:  # an unreadable upload: the build will report it, not this job
            log.warning("edition renditions of image %s failed: %s", image.pk, exc)
            continue
        done += 1
    return done


def article_image_ids(page: Any) -> list[int]:
    """The photographs an article puts into an edition: its lead image and every image block."""
    ids = [page.hero_image_id] if getattr(page, "hero_image_id", None) else []
    for block in page.full_blocks():
        if block.block_type == "image" and block.value.get("image") is not None:
            ids.append(block.value["image"].pk)
    return ids
