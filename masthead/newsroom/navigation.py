from __future__ import annotations

from typing import Any

from django.utils.functional import SimpleLazyObject

from masthead.core import cachetags


def _query() -> tuple[Any, ...]:
    from masthead.newsroom.models import SectionPage

    return tuple(SectionPage.objects.live().in_menu().order_by("path"))


def menu_sections() -> tuple[Any, ...]:
    """The live sections in the menu, in menu order: kept per process until the site changes
    (publishing, renaming or moving a section purges `site`). Shared by every request: read only."""
    return cachetags.sitewide("nav-sections", _query)


def nav_sections() -> Any:
    """A lazy list per request: nothing is looked up unless a template iterates it."""
    return SimpleLazyObject(menu_sections)


def _info_query() -> tuple[tuple[str, str], ...]:
    from masthead.core.models import InfoPage

    # (title, url) pairs: kept per process and shared by requests, so no page objects are handed around.
    return tuple((page.title, page.url) for page in InfoPage.objects.live().public().in_menu().order_by("path"))


def footer_pages() -> Any:
    """About, Contact, Privacy, Terms (the live information pages shown in menus), as (title, url); lazy like nav_sections."""
    # Publishing an information page purges `site` (it names no narrower tags), which renews this.
    return SimpleLazyObject(lambda: cachetags.sitewide("footer-pages", _info_query))
