"""Editions in the admin (the Editions report, retry, rebuild, preflight) and on the issue page (the downloads)."""

from __future__ import annotations

from typing import Any

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from masthead.editions import admin_views, issue_page


def register_admin_urls() -> list[Any]:
    return [
        path("editions/", admin_views.editions_report, name="editions_admin_report"),
        path("editions/<int:pk>/retry/", admin_views.retry, name="editions_admin_retry"),
        path("editions/issue/<int:pk>/rebuild/", admin_views.rebuild, name="editions_admin_rebuild"),
        path("editions/<int:pk>/preflight/", admin_views.preflight, name="editions_admin_preflight"),
    ]


def editions_menu_item() -> MenuItem:
    return MenuItem("Editions", reverse("editions_admin_report"), icon_name="doc-full", order=310)


def issue_downloads(request: Any, *args: Any, page: Any = None, **kwargs: Any) -> str | None:
    return issue_page.downloads_box(request, page)


hooks.register("register_admin_urls", register_admin_urls)
hooks.register("register_admin_menu_item", editions_menu_item)
hooks.register("slot:issue-downloads", issue_downloads)
