"""Build pages the way an editor would, for tests and the demo."""

from __future__ import annotations

import io
import json
import random
from datetime import date
from typing import Any

from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.images import get_image_model

from masthead.newsroom.models import (
    ArticleAuthor,
    ArticlePage,
    AuthorIndexPage,
    AuthorPage,
    HomePage,
    SectionPage,
)
from masthead.newsroom.site_setup import (  # noqa: F401 - the tests build pages as the demo does
    ensure_home,
    ensure_issue_index,
    ensure_section,
    make_issue,
    restore_wagtail_baseline,
)

SECTIONS = ["Politics", "Finance", "Foreign Affairs", "Environment", "Culture", "Technology"]


def make_image(title: str, *, size: tuple[int, int] = (1200, 800), color: tuple[int, int, int] | None = None) -> Any:
    """A real JPEG made locally: no network, no fixtures on disk."""
    restore_wagtail_baseline()
    rng = random.Random(title)
    color = color or (rng.randrange(40, 200), rng.randrange(40, 200), rng.randrange(40, 200))
    img = PILImage.new("RGB", size, color)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=80)
    slug = "".join(c if c.isalnum() else "-" for c in title.lower())[:40]
    return get_image_model().objects.create(title=title, file=ImageFile(buf, name=f"{slug}.jpg"))


def ensure_author_index(home: HomePage) -> AuthorIndexPage:
    found = AuthorIndexPage.objects.child_of(home).first()
    if found:
        return found
    index = home.add_child(instance=AuthorIndexPage(title="Writers", slug="authors"))
    index.save_revision().publish()
    return index


def ensure_author(home: HomePage, name: str, *, role: str = "", bio: str = "", photo: Any = None) -> AuthorPage:
    index = ensure_author_index(home)
    found = AuthorPage.objects.child_of(index).filter(title=name).first()
    if found:
        return found
    author = index.add_child(instance=AuthorPage(title=name, role=role, bio=bio, photo=photo))
    author.save_revision().publish()
    return author


def body_json(paragraphs: list[str], *, preview_after: int | None = None, extra: list[dict[str, Any]] | None = None) -> str:
    blocks: list[dict[str, Any]] = []
    for i, text in enumerate(paragraphs):
        if preview_after is not None and i == preview_after:
            blocks.append({"type": "preview_ends", "value": None})
        blocks.append({"type": "paragraph", "value": f"<p>{text}</p>"})
    blocks.extend(extra or [])
    return json.dumps(blocks)


def make_article(
    section: SectionPage,
    title: str,
    *,
    authors: list[AuthorPage],
    paragraphs: list[str],
    dek: str = "",
    access: str = "public",
    preview_after: int | None = None,
    on: date | None = None,
    hero_image: Any = None,
    hero_caption: str = "",
    hero_credit: str = "",
    tags: list[str] | None = None,
    extra_blocks: list[dict[str, Any]] | None = None,
    publish: bool = True,
) -> ArticlePage:
    article = ArticlePage(
        title=title,
        dek=dek,
        access=access,
        date=on or date.today(),
        hero_image=hero_image,
        hero_caption=hero_caption,
        hero_credit=hero_credit,
        body=body_json(paragraphs, preview_after=preview_after, extra=extra_blocks),
    )
    for author in authors:
        article.article_authors.add(ArticleAuthor(author=author))
    if tags:
        article.tags.add(*tags)
    section.add_child(instance=article)
    revision = article.save_revision()
    if publish:
        revision.publish()
        article.refresh_from_db()
    return article
