"""Build pages the way an editor would, for tests and the demo."""

from __future__ import annotations

import io
import json
import random
from datetime import date
from typing import Any

from django.conf import settings
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from masthead.newsroom.models import (
    ArticleAuthor,
    ArticlePage,
    AuthorIndexPage,
    AuthorPage,
    HomePage,
    IssueArticle,
    IssueIndexPage,
    IssuePage,
    SectionPage,
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


def restore_wagtail_baseline() -> Page:
    """The rows Wagtail's migrations create, recreated if a flush removed them.

    Transactional tests (live_server, concurrency) end with a flush of every
    table, which also deletes the tree root, default locale and root
    collection that migrations made. Tests that run after one start here.
    """
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Collection, Locale

    Locale.objects.get_or_create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
    if Collection.get_first_root_node() is None:
        Collection.add_root(instance=Collection(name="Root"))
    root = Page.get_first_root_node()
    if root is None:
        root = Page.add_root(instance=Page(title="Root", slug="root"))
    return root


def ensure_home() -> HomePage:
    """Replace Wagtail's welcome page with our HomePage as the site root."""
    existing = HomePage.objects.first()
    if existing:
        return existing
    root = restore_wagtail_baseline()
    home = root.add_child(instance=HomePage(title="Home", slug="home-masthead"))
    site = Site.objects.filter(is_default_site=True).first() or Site(is_default_site=True)
    site.root_page = home
    site.hostname = "localhost"
    site.port = 80
    site.site_name = "Masthead"
    site.save()
    for child in root.get_children():
        if child.pk != home.pk:
            child.delete()
    home.refresh_from_db()
    home.slug = "home"
    home.save()
    home.save_revision().publish()
    Site.clear_site_root_paths_cache()
    return home


def ensure_section(home: HomePage, title: str) -> SectionPage:
    found = SectionPage.objects.child_of(home).filter(title=title).first()
    if found:
        return found
    section = home.add_child(
        instance=SectionPage(title=title, show_in_menus=True, intro=f"Reporting and analysis on {title.lower()}.")
    )
    section.save_revision().publish()
    return section


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


def ensure_issue_index(home: HomePage) -> IssueIndexPage:
    found = IssueIndexPage.objects.child_of(home).first()
    if found:
        return found
    index = home.add_child(instance=IssueIndexPage(title="Back issues", slug="issues"))
    index.save_revision().publish()
    return index


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


def make_issue(
    index: IssueIndexPage, *, volume: int, number: int, cover_date: date, articles: list[ArticlePage], cover: Any = None
) -> IssuePage:
    issue = IssuePage(
        title=f"{cover_date:%B %-d, %Y}",
        slug=f"{volume}-{number}",
        volume=volume,
        number=number,
        cover_date=cover_date,
        cover_image=cover,
    )
    # The editor's order, as the admin's drag-and-drop saves it.
    for position, article in enumerate(articles):
        issue.issue_articles.add(IssueArticle(article=article, sort_order=position))
    index.add_child(instance=issue)
    issue.save_revision().publish()
    return issue
