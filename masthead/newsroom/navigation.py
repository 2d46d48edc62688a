from __future__ import annotations

from typing import Any

from django.utils.functional import SimpleLazyObject


def _sections() -> list[Any]:
    from masthead.newsroom.models import SectionPage

    return list(SectionPage.objects.live().in_menu().order_by("path"))


def nav_sections() -> Any:
    """A fresh lazy list per request: no query unless a template iterates it."""
    return SimpleLazyObject(_sections)
