"""Registers the staff member tools (admin_views) with Wagtail: URLs and a menu item for those allowed."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from masthead.members import admin_views


@hooks.register("register_admin_urls")
def register_member_tools_urls() -> list[Any]:
    urls = [
        path("", admin_views.members_list, name="list"),
        path("export.csv", admin_views.members_csv, name="export"),
        path("comp/", admin_views.grant_comp, name="comp"),
        path("import/", admin_views.import_csv, name="import"),
        path("<int:user_id>/end-comp/", admin_views.end_comp, name="end_comp"),
    ]
    return [path("members/", include((urls, "members_staff"), namespace="members_staff"))]


class _PermittedMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(admin_views.VIEW_PERMISSION))


@hooks.register("register_admin_menu_item")
def member_tools_menu_item() -> MenuItem:
    return _PermittedMenuItem("Members", reverse("members_staff:list"), icon_name="user", order=305)
