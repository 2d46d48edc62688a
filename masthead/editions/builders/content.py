"""What an edition is made of, read once from the database into plain values.

Builders never query: they get an ``IssueContent`` and a ``Workspace`` (a temp
directory that turns image references into local files). The same values are
hashed to decide whether a kind needs rebuilding, so "the inputs changed" means
exactly "something a builder would read changed".

The text is every article's full text (``full_blocks``). That is right only
because the files leave through editions.access.may_download, which requires the
digital-edition entitlement: a reader who has it may read every article in full
(tests/test_edition_downloads_follow_the_gate.py checks that implication).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from wagtail.rich_text import expand_db_html

LANGUAGE = "en"


@dataclass(frozen=True)
class ImageRef:
    image_id: int
    # The stored file's name: replacing an image's file in the admin changes it, so the hash sees it.
    file_name: str
    width: int
    height: int
    alt: str


@dataclass(frozen=True)
class Block:
    """One body block in reading order. ``kind``: paragraph, heading, quote, figure, embed."""

    kind: str
    id: str
    html: str = ""
    text: str = ""
    attribution: str = ""
    image: ImageRef | None = None
    caption: str = ""
    credit: str = ""
    url: str = ""


@dataclass(frozen=True)
class Segment:
    """One narrated paragraph: the element it reads and when (milliseconds into the article's MP3)."""

    block_id: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class NarrationRef:
    narration_id: int
    # Hash of what was spoken (narration's own source_hash) and of the file: a new rendering changes both.
    source_hash: str
    audio_name: str
    size_bytes: int
    duration_ms: int
    segments: tuple[Segment, ...]
    # Whether the narration reads this exact revision (only then may the EPUB highlight its paragraphs).
    matches_text: bool


@dataclass(frozen=True)
class ArticleContent:
    pk: int
    slug: str
    title: str
    dek: str
    date: date
    authors: tuple[str, ...]
    section: str
    url: str
    access: str
    hero: ImageRef | None
    hero_caption: str
    hero_credit: str
    blocks: tuple[Block, ...]
    narration: NarrationRef | None = None

    @property
    def byline(self) -> str:
        return ", ".join(self.authors)


@dataclass(frozen=True)
class SectionGroup:
    title: str
    articles: tuple[ArticleContent, ...]


@dataclass(frozen=True)
class IssueContent:
    pk: int
    slug: str
    title: str
    volume: int
    number: int
    cover_date: date
    url: str
    editors_letter: str
    cover: ImageRef | None
    cover_lines: tuple[str, ...]
    magazine: str
    publisher: str
    language: str
    sections: tuple[SectionGroup, ...]
    site_url: str = ""
    issues_per_year: int = 24  # MagazineSettings' (one source), said on the back cover

    @property
    def articles(self) -> list[ArticleContent]:
        return [article for group in self.sections for article in group.articles]

    @property
    def label(self) -> str:
        return f"Vol. {self.volume}, No. {self.number}"

    @property
    def full_title(self) -> str:
        return f"{self.magazine} — {self.label}, {self.cover_date:%B} {self.cover_date.day}, {self.cover_date.year}"


def fingerprint(*parts: Any) -> str:
    """sha256 of JSON-able parts (dataclasses included), stable across runs and processes."""
    digest = hashlib.sha256()
    for part in parts:
        value = asdict(part) if hasattr(part, "__dataclass_fields__") else part
        digest.update(json.dumps(value, sort_keys=True, default=str, separators=(",", ":")).encode())
        digest.update(b"\x1e")
    return digest.hexdigest()


# --- Reading the database ------------------------------------------------------


def _image(image: Any, alt: str = "") -> ImageRef | None:
    if image is None or not image.file:
        return None
    return ImageRef(image.pk, image.file.name, image.width or 0, image.height or 0, alt or image.title or "")


def _absolute(url: str) -> str:
    return url if url.startswith(("http://", "https://")) else settings.SITE_URL + url


def _blocks(page: Any) -> tuple[Block, ...]:
    blocks: list[Block] = []
    for block in page.full_blocks():
        kind, value, block_id = block.block_type, block.value, str(block.id)
        if kind == "paragraph":
            blocks.append(Block("paragraph", block_id, html=expand_db_html(value.source)))
        elif kind == "heading":
            blocks.append(Block("heading", block_id, text=str(value)))
        elif kind == "pull_quote":
            blocks.append(Block("quote", block_id, text=value["quote"], attribution=value.get("attribution") or ""))
        elif kind == "image":
            ref = _image(value["image"], value.get("caption") or "")
            if ref is not None:
                blocks.append(
                    Block("figure", block_id, image=ref, caption=value.get("caption") or "", credit=value.get("credit") or "")
                )
        elif kind == "embed":
            embed = value.get("embed")
            url = getattr(embed, "url", "") or ""
            if url:
                blocks.append(Block("embed", block_id, url=url, caption=value.get("caption") or ""))
    return tuple(blocks)


def _narrations(pages: list[Any]) -> dict[int, NarrationRef]:
    from masthead.narration.listening import FULL, ready_narrations

    found: dict[int, NarrationRef] = {}
    for pk, narration in ready_narrations(pages, FULL).items():
        segments = tuple(
            Segment(str(s["block_id"]), int(s["start_ms"]), int(s["end_ms"]))
            for s in narration.segments or []
            if isinstance(s, dict) and "block_id" in s
        )
        found[pk] = NarrationRef(
            narration_id=narration.pk,
            source_hash=narration.source_hash or "",
            audio_name=narration.audio.name,
            size_bytes=int(narration.size_bytes or 0),
            duration_ms=int(narration.duration_ms or 0),
            segments=segments,
            matches_text=narration.revision_id == narration.page.live_revision_id,
        )
    return found


def _article(page: Any, narration: NarrationRef | None) -> ArticleContent:
    section = page.section.title if page.section is not None else ""
    return ArticleContent(
        pk=page.pk,
        slug=page.slug,
        title=page.title,
        dek=page.dek,
        date=page.date,
        authors=tuple(author.title for author in page.authors),
        section=section,
        url=_absolute(page.url or "/"),
        access=page.access,
        hero=_image(page.hero_image, page.hero_caption),
        hero_caption=page.hero_caption,
        hero_credit=page.hero_credit,
        blocks=_blocks(page),
        narration=narration,
    )


def issue_content(issue: Any) -> IssueContent:
    """Everything the builders read about one issue, in the editor's order, grouped by section."""
    from masthead.core.models import MagazineSettings

    site = issue.get_site()
    magazine = MagazineSettings.for_site(site) if site is not None else None
    # The editor's grouping and order (newsroom's one rule: a row's heading, else the article's section).
    grouped = issue.contents_by_section()
    pages = [page for _, group in grouped for page in group]
    narrations = _narrations(pages)
    sections = tuple(
        SectionGroup(heading, tuple(_article(page, narrations.get(page.pk)) for page in group)) for heading, group in grouped
    )
    return IssueContent(
        pk=issue.pk,
        slug=issue.slug,
        title=issue.title,
        volume=issue.volume,
        number=issue.number,
        cover_date=issue.cover_date,
        url=_absolute(issue.url or "/"),
        editors_letter=issue.intro or "",
        cover=_image(issue.cover_image, f"Cover of {issue.title}"),
        cover_lines=tuple(issue.cover_line_list(pages)),
        magazine=(magazine.name if magazine else "") or settings.WAGTAIL_SITE_NAME,
        publisher=(magazine.publisher if magazine else "") or settings.WAGTAIL_SITE_NAME,
        issues_per_year=magazine.issues_per_year if magazine else 24,
        language=LANGUAGE,
        sections=sections,
        site_url=settings.SITE_URL,
    )


# --- Local files for a build ---------------------------------------------------


JPEG_QUALITY = 82  # one number for both makers of the rendition: Wagtail's filter (the spec) and _fast_jpeg


def rendition_spec(max_px: int) -> str:
    """The Wagtail rendition an edition uses for an image (editions.images makes them ahead of the build)."""
    return f"max-{max_px}x{max_px}|format-jpeg|jpegquality-{JPEG_QUALITY}"


_TURNED = (5, 6, 7, 8)  # EXIF orientations that swap width and height


def edition_rendition(image: Any, max_px: int) -> Any:
    """The image's edition rendition (``rendition_spec(max_px)``): found if it exists, else made and stored.

    A photograph (an RGB or greyscale JPEG) is made here rather than by Wagtail's filter pipeline, which
    decoded each original three times and resampled it at full size with Lanczos (~0.2 CPU s per
    2400 × 1600 photo). Here it is decoded once, in the JPEG's own DCT scaling to the smallest of 1/2,
    1/4, 1/8 that is still at least the target (libjpeg's draft mode: a 2400 px photo for a 1200 px
    rendition is decoded straight to 1200 px), turned by its EXIF orientation, resampled (bicubic) only
    for what the scaling left, and encoded once: ~20 ms for that photo. It is stored as the same Wagtail
    rendition (spec, focal-point key, file name) that ``image.get_rendition`` would have made, so either
    finds the other's. Anything else (PNG, CMYK, animated) goes through Wagtail as before.
    """
    from wagtail.images.models import Filter

    spec = rendition_spec(max_px)
    rendition_filter = Filter(spec=spec)
    try:
        return image.find_existing_rendition(rendition_filter)
    except image.get_rendition_model().DoesNotExist:
        pass
    made = _fast_jpeg(image, max_px)
    if made is None:
        return image.get_rendition(rendition_filter)
    data, width, height = made
    from django.core.files.base import ContentFile

    key = rendition_filter.get_cache_key(image)
    stem = Path(Path(image.file.name).name).stem
    extension = (f"{key}." if key else "") + spec.replace("|", ".") + ".jpg"
    name = f"{stem[: 59 - len(extension)]}.{extension}"
    # get_or_create, as Wagtail's create_rendition: the uniqueness constraint settles two workers making it at once.
    rendition, _ = image.renditions.get_or_create(
        filter_spec=spec, focal_point_key=key, defaults={"file": ContentFile(data, name=name), "width": width, "height": height}
    )
    return rendition


def _fast_jpeg(image: Any, max_px: int) -> tuple[bytes, int, int] | None:
    """(JPEG bytes, width, height) of the image at most max_px on its long side; None if not a plain JPEG."""
    import io

    from PIL import Image, ImageOps

    with image.open_file() as handle:
        opened = Image.open(handle)
        picture: Image.Image = opened
        if picture.format != "JPEG" or picture.mode not in ("RGB", "L"):
            return None
        orientation = picture.getexif().get(0x0112, 1)
        width, height = picture.size
        upright = (height, width) if orientation in _TURNED else (width, height)
        scale = min(1.0, max_px / max(upright))
        target = (max(1, round(upright[0] * scale)), max(1, round(upright[1] * scale)))
        # draft() picks the largest DCT scaling whose result is still at least this size, in stored orientation.
        opened.draft("RGB", (target[1], target[0]) if orientation in _TURNED else target)
        icc = picture.info.get("icc_profile")
        picture = ImageOps.exif_transpose(picture)
        if picture.size != target:
            picture = picture.resize(target, Image.Resampling.BICUBIC)
        out = io.BytesIO()
        options: dict[str, Any] = {"quality": JPEG_QUALITY}
        if icc:
            options["icc_profile"] = icc
        # A greyscale photograph stays greyscale: its own profile (kept above) describes grey pixels, not RGB ones.
        (picture if picture.mode in ("RGB", "L") else picture.convert("RGB")).save(out, "JPEG", **options)
    return out.getvalue(), target[0], target[1]


@dataclass
class LocalImage:
    path: Path
    width: int
    height: int
    media_type: str


@dataclass
class Workspace:
    """A build's scratch directory; images and audio are copied (or linked) here as local files."""

    root: Path
    _images: dict[tuple[int, int], LocalImage] = field(default_factory=dict)

    def path(self, name: str) -> Path:
        return self.root / name

    def image(self, ref: ImageRef, max_px: int) -> LocalImage:
        """The image at most max_px on its long side, as JPEG, from Wagtail's renditions (a transparent PNG is put on white)."""
        key = (ref.image_id, max_px)
        if key not in self._images:
            from wagtail.images import get_image_model

            image = get_image_model().objects.get(pk=ref.image_id)
            rendition = edition_rendition(image, max_px)
            target = self.root / "images" / f"{ref.image_id}-{max_px}.jpg"
            target.parent.mkdir(parents=True, exist_ok=True)
            with rendition.file.open("rb") as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst)
            self._images[key] = LocalImage(target, rendition.width, rendition.height, "image/jpeg")
        return self._images[key]

    def audio(self, name: str) -> Path:
        target = self.root / "audio" / Path(name).name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            # Narrations are gated files (core.private_files): read them from the storage their field names.
            with _narration_storage().open(name, "rb") as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst)
        return target


def _narration_storage() -> Any:
    from masthead.narration.listening import narration_model

    return narration_model()._meta.get_field("audio").storage


@contextmanager
def workspace() -> Iterator[Workspace]:
    root = Path(tempfile.mkdtemp(prefix="masthead-edition-"))
    try:
        yield Workspace(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
