"""Building the magazine's page tree as an editor would: the home page, sections, indexes, issues.

Used by the demo (`setup_demo`), by `manage.py` set-up commands and by the tests' builders.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from wagtail.models import Page, Site

from masthead.newsroom.models import ArticlePage, HomePage, IssueArticle, IssueIndexPage, IssuePage, SectionPage


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


def ensure_issue_index(home: HomePage) -> IssueIndexPage:
    found = IssueIndexPage.objects.child_of(home).first()
    if found:
        return found
    index = home.add_child(instance=IssueIndexPage(title="Back issues", slug="issues"))
    index.save_revision().publish()
    return index


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
    for position, article in enumerate(articles):
        # The editor's order: contents() sorts on sort_order, so it is saved, never left to insertion order.
        issue.issue_articles.add(IssueArticle(article=article, sort_order=position))
    index.add_child(instance=issue)
    issue.save_revision().publish()
    return issue
