"""Editions in the admin (the Editions report, retry, rebuild, preflight; the upcoming issues; the issue
editor's Publishing panel) and on the issue page (the reader link, the downloads)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.http import HttpRequest
from django.urls import path, reverse
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from masthead.core import shells
from masthead.editions import admin_views, issue_page, schedule_admin
from masthead.newsroom.models import IssuePage


def register_admin_urls() -> list[Any]:
    return [
        path("editions/", admin_views.editions_report, name="editions_admin_report"),
        path("editions/<int:pk>/retry/", admin_views.retry, name="editions_admin_retry"),
        path("editions/issue/<int:pk>/rebuild/", admin_views.rebuild, name="editions_admin_rebuild"),
        path("editions/<int:pk>/preflight/", admin_views.preflight, name="editions_admin_preflight"),
        path("editions/upcoming/", schedule_admin.upcoming, name="editions_admin_upcoming"),
        path("editions/upcoming/plan/", schedule_admin.plan_now, name="editions_admin_plan"),
    ]


def editions_menu_item() -> MenuItem:
    return MenuItem("Editions", reverse("editions_admin_report"), icon_name="doc-full", order=310)


def issue_downloads(context: Any, *args: Any, page: Any = None, **kwargs: Any) -> str | None:
    recorder = shells.recording()
    if recorder is not None and getattr(page, "pk", None):
        # The issue page is a shell shared by every reader (core.shells): the box depends on who
        # asks (downloads for the entitled, the subscribe box for the rest), so each request fills it.
        # The slug rides in the shell so filling the hole needs no page query.
        return recorder.hole("issue_downloads", issue_id=page.pk, slug=page.slug)
    return issue_page.downloads_box(context, page)


def issue_downloads_for(request: HttpRequest, *, issue_id: int, slug: str | None = None) -> str:
    # A shell stored before the slug rode along still works: it asks for the page.
    issue: Any = SimpleNamespace(pk=issue_id, slug=slug) if slug else IssuePage.objects.filter(pk=issue_id).first()
    return (issue_page.downloads_box(request, issue) if issue is not None else None) or ""


def upcoming_menu_item() -> MenuItem:
    return MenuItem("Upcoming issues", reverse("editions_admin_upcoming"), icon_name="date", order=305)


def issue_reader_link(context: Any, *args: Any, page: Any = None, **kwargs: Any) -> str:
    if page is None or not getattr(page, "live", False):
        return ""
    url = reverse("editions:reader", args=[page.slug])
    return str(format_html('<p class="issue__read"><a class="button" href="{}">Read this issue</a></p>', url))


def issue_publishing(context: Any, *args: Any, page: Any = None, request: Any = None, **kwargs: Any) -> str:
    if page is None:
        return ""
    return schedule_admin.publishing_panel(request, page)


hooks.register("register_admin_urls", register_admin_urls)
hooks.register("register_admin_menu_item", editions_menu_item)
hooks.register("register_admin_menu_item", upcoming_menu_item)
hooks.register("slot:issue-downloads", issue_downloads)
hooks.register("reader_part:issue_downloads", issue_downloads_for)
hooks.register("slot:issue-actions", issue_reader_link)
hooks.register("slot:issue-publishing", issue_publishing)
hooks.register("after_publish_page", schedule_admin.after_publish_message)
