"""Building the magazine's page tree as an editor would: the home page, sections, indexes, issues.

Used by the demo (`setup_demo`), by `manage.py setup_site` (a new, empty magazine) and by the tests' builders.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from wagtail.models import Page, Site

from masthead.core.models import MagazineSettings
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


def configure_site(home: HomePage, *, name: str) -> None:
    """Point the Wagtail site at SITE_URL's host and give the magazine its name (MagazineSettings: the one source)."""
    url = urlsplit(settings.SITE_URL)
    site = Site.objects.get(root_page=home)
    hostname, port = url.hostname or "localhost", url.port or (443 if url.scheme == "https" else 80)
    if (site.hostname, site.port, site.site_name) != (hostname, port, name):
        site.hostname, site.port, site.site_name = hostname, port, name
        site.save()
        Site.clear_site_root_paths_cache()
    magazine = MagazineSettings.for_site(site)
    if magazine.name != name:
        magazine.name = name
        magazine.save()


@dataclass
class NewSite:
    name: str
    sections: list[str]
    created_sections: list[str]
    admin_username: str
    # Only when this run created the admin: shown once, never stored.
    admin_password: str | None


def setup_site(*, name: str, sections: list[str], admin_username: str, admin_email: str) -> NewSite:
    """An empty magazine: the home page, the given sections, the back-issues index, the site's address and
    name, and its first admin. Safe to run again: what exists is left as it is (an admin's password too)."""
    with transaction.atomic():
        home = ensure_home()
        configure_site(home, name=name)
        created = []
        for title in sections:
            if not SectionPage.objects.child_of(home).filter(title=title).exists():
                created.append(title)
            ensure_section(home, title)
        ensure_issue_index(home)
        from masthead.newsroom.info_pages import ensure_info_pages

        # A magazine that takes payments needs these from its first day (the checkout links Terms and Privacy).
        ensure_info_pages(home)
        users = get_user_model()
        password = None
        if not users.objects.filter(username=admin_username).exists():
            password = secrets.token_urlsafe(16)
            users.objects.create_superuser(admin_username, admin_email, password)
    return NewSite(
        name=name,
        sections=list(SectionPage.objects.child_of(home).values_list("title", flat=True)),
        created_sections=created,
        admin_username=admin_username,
        admin_password=password,
    )
