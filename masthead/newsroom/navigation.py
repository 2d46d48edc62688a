from __future__ import annotations

from typing import Any

from django.utils.functional import SimpleLazyObject

from masthead.core import cachetags


def _query() -> tuple[Any, ...]:
    from masthead.newsroom.models import SectionPage

    return tuple(SectionPage.objects.live().in_menu().order_by("path"))


def _sections() -> tuple[Any, ...]:
    # Kept per process until the site changes: publishing a section purges `site`.
    return cachetags.sitewide("nav-sections", _query)


def nav_sections() -> Any:
    """A lazy list per request: nothing is looked up unless a template iterates it."""
    return SimpleLazyObject(_sections)


def _info_query() -> tuple[tuple[str, str], ...]:
    from masthead.core.models import InfoPage

    # (title, url) pairs: kept per process and shared by requests, so no page objects are handed around.
    return tuple((page.title, page.url) for page in InfoPage.objects.live().public().in_menu().order_by("path"))


def footer_pages() -> Any:
    """About, Contact, Privacy, Terms (the live information pages shown in menus), as (title, url); lazy like nav_sections."""
    # Publishing an information page purges `site` (it names no narrower tags), which renews this.
    return SimpleLazyObject(lambda: cachetags.sitewide("footer-pages", _info_query))
