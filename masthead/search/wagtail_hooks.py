"""Search's place in the site menu (core's base page slot)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.html import format_html
from wagtail import hooks


@hooks.register("slot:site-nav", order=50)
def search_link(context: Any) -> str:
    return str(format_html('<li><a href="{}">Search</a></li>', reverse("search:search")))
