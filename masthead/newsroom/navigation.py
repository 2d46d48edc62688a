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
