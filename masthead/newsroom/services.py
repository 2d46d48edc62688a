"""Writes that touch several newsroom models: importing articles, finding authors.

Keyword-only and atomic: an import of many files either lands whole or not at
all, so an editor never has to clean up half an import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from wagtail.images import get_image_model

from masthead.access.levels import AccessLevel
from masthead.newsroom import artwork
from masthead.newsroom.importer import ArticleImportError, ParsedArticle, ParsedImage, derive_standfirst, parse_article
from masthead.newsroom.models import ArticleAuthor, ArticlePage, AuthorIndexPage, AuthorPage, HomePage, SectionPage

# Readers without access see this many paragraphs of an imported gated article.
IMPORT_PREVIEW_PARAGRAPHS = 3


class ImportFailed(Exception):
    """An import that could not happen; the message names the file and, if known, the line."""


@dataclass(frozen=True)
class ImportOutcome:
    name: str
    title: str
    action: str  # "created", "updated", "would create", "would update"
    url: str
    section: str
    authors: list[str]
    new_authors: list[str]
    dropped_bylines: int
    dropped_advert_lines: int


def site_home() -> HomePage:
    home = HomePage.objects.first()
    if home is None:
        raise ImportFailed("there is no magazine home page yet; run `manage.py setup_demo` or create a Home page in the admin")
    return home


def find_author(name: str) -> AuthorPage | None:
    return AuthorPage.objects.filter(title__iexact=name.strip()).first()


def ensure_author(*, name: str, home: HomePage, role: str = "", bio: str = "", photo: Any = None) -> tuple[AuthorPage, bool]:
    """The author page for a byline name, created (and published) if missing."""
    if found := find_author(name):
        return found, False
    index = AuthorIndexPage.objects.child_of(home).first()
    if index is None:
        index = home.add_child(instance=AuthorIndexPage(title="Writers", slug="authors"))
        index.save_revision().publish()
    author = index.add_child(instance=AuthorPage(title=name.strip(), role=role, bio=bio, photo=photo))
    author.save_revision().publish()
    return author, True


def _resolve_section(home: HomePage, slug: str | None) -> SectionPage | None:
    sections = SectionPage.objects.child_of(home)
    if slug is None:
        return None
    found = sections.filter(slug=slug).first()
    if found is None:
        known = ", ".join(sections.values_list("slug", flat=True)) or "none yet"
        raise ImportFailed(f"no section with slug {slug!r}; known sections: {known}")
    return found.specific


def _placeholder(image: ParsedImage, created: list[Any]) -> Any:
    """Reuse the same placeholder on re-import instead of piling up copies."""
    title = f"Placeholder — {image.credit}: {image.caption}" if image.credit else f"Placeholder — {image.caption}"
    found = get_image_model().objects.filter(title=title[:255]).first()
    if found:
        return found
    made = artwork.placeholder_photo(credit=image.credit, caption=image.caption)
    created.append(made)
    return made


def _stream(parsed: ParsedArticle, *, gated: bool, created_images: list[Any]) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    paragraphs = 0
    total = parsed.paragraph_count()
    for block in parsed.blocks:
        if block.kind == "paragraph":
            blocks.append({"type": "paragraph", "value": f"<p>{block.value}</p>"})
            paragraphs += 1
            # The cut needs something after it, or a gated article would have nothing to sell.
            if gated and paragraphs == min(IMPORT_PREVIEW_PARAGRAPHS, total - 1):
                blocks.append({"type": "preview_ends", "value": None})
        elif block.kind == "heading":
            blocks.append({"type": "heading", "value": block.value})
        elif block.kind == "quote":
            blocks.append({"type": "pull_quote", "value": {"quote": block.value, "attribution": ""}})
        elif block.kind == "image" and block.image is not None:
            image = _placeholder(block.image, created_images)
            blocks.append(
                {"type": "image", "value": {"image": image.pk, "caption": block.image.caption, "credit": block.image.credit}}
            )
    return blocks


def parse_sources(*, sources: list[tuple[str, str]]) -> list[tuple[str, ParsedArticle]]:
    """Parse every file before anything is written; the first bad one stops the import."""
    parsed = []
    seen: dict[str, str] = {}
    for name, text in sources:
        try:
            article = parse_article(text)
        except ArticleImportError as exc:
            raise ImportFailed(f"{name}:{exc.line}: {exc.message}") from exc
        if article.slug in seen:
            raise ImportFailed(f"{name}:1: same headline (web address {article.slug!r}) as {seen[article.slug]}")
        seen[article.slug] = name
        parsed.append((name, article))
    return parsed


def import_articles(
    *, sources: list[tuple[str, str]], section_slug: str | None = None, access: str | None = None, dry_run: bool = False
) -> list[ImportOutcome]:
    """Create or update (matched by slug) one ArticlePage per source, all or nothing.

    sources: (name, text) pairs; name is used in messages only.
    A new article goes to --section, or else the first section of the site.
    """
    if access is not None and access not in AccessLevel.values:
        raise ImportFailed(f"access must be one of {', '.join(AccessLevel.values)}; got {access!r}")
    parsed = parse_sources(sources=sources)
    home = site_home()
    section = _resolve_section(home, section_slug)
    default_section = section or SectionPage.objects.child_of(home).first()
    created_images: list[Any] = []
    try:
        with transaction.atomic():
            outcomes = [
                _import_one(
                    name=name,
                    parsed=article,
                    home=home,
                    section=section,
                    default_section=default_section,
                    access=access,
                    dry_run=dry_run,
                    created_images=created_images,
                )
                for name, article in parsed
            ]
            if dry_run:
                transaction.set_rollback(True)
    except BaseException:
        _discard_files(created_images)
        raise
    if dry_run:
        _discard_files(created_images)
    return outcomes


def _discard_files(images: list[Any]) -> None:
    # The rows went with the rolled-back transaction; the files on disk did not.
    for image in images:
        if image.file and default_storage.exists(image.file.name):
            default_storage.delete(image.file.name)


def _import_one(
    *,
    name: str,
    parsed: ParsedArticle,
    home: HomePage,
    section: SectionPage | None,
    default_section: Any,
    access: str | None,
    dry_run: bool,
    created_images: list[Any],
) -> ImportOutcome:
    existing = ArticlePage.objects.filter(slug=parsed.slug).first()
    page: ArticlePage
    if existing is not None:
        page = existing.specific
        target = page.get_parent().specific
    else:
        if default_section is None:
            raise ImportFailed(f"{name}: the site has no sections; add one (e.g. Politics) before importing")
        target = section or default_section
        page = ArticlePage(slug=parsed.slug)

    authors, new_authors = [], []
    for author_name in parsed.authors:
        author, made = ensure_author(name=author_name, home=home)
        authors.append(author)
        if made:
            new_authors.append(author.title)

    page.title = parsed.title
    page.date = parsed.date
    if not page.dek:
        # Meta, OpenGraph and Twitter descriptions, cards and search results all read the standfirst.
        page.dek = derive_standfirst(parsed)
    if access is not None or existing is None:
        page.access = access or AccessLevel.PUBLIC
    if parsed.hero is not None:
        page.hero_caption = parsed.hero.caption
        page.hero_credit = parsed.hero.credit
        # Keep a photo an editor already chose; only fill an empty slot.
        if page.hero_image is None:
            page.hero_image = _placeholder(parsed.hero, created_images)
    page.body = _stream(parsed, gated=page.access != AccessLevel.PUBLIC, created_images=created_images)
    page.article_authors.clear()
    for author in authors:
        page.article_authors.add(ArticleAuthor(author=author))
    if existing is None:
        target.add_child(instance=page)
    try:
        page.full_clean()
    except ValidationError as exc:
        raise ImportFailed(f"{name}: the article would not be valid: {'; '.join(exc.messages)}") from exc
    page.save_revision().publish()
    page.refresh_from_db()
    verb = "updated" if existing is not None else "created"
    return ImportOutcome(
        name=name,
        title=page.title,
        action=f"would {verb[:-1]}" if dry_run else verb,
        url=page.url or "",
        section=target.title,
        authors=[a.title for a in authors],
        new_authors=new_authors,
        dropped_bylines=parsed.dropped_bylines,
        dropped_advert_lines=parsed.dropped_advert_lines,
    )
