"""Fulfilment in the admin (print list) and on the reader's account page (address panel)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from masthead.access.entitlements import gets_print
from masthead.fulfilment import admin_views, print_run_views
from masthead.fulfilment.services import address_for, requires_address


@hooks.register("register_admin_urls")
def register_admin_urls() -> list[Any]:
    return [
        path("print-list/", admin_views.PrintListView.as_view(), name="fulfilment_print_list"),
        path("print-list/csv/", admin_views.print_list_csv, name="fulfilment_print_list_csv"),
        path("print-list/exports/<int:pk>/<str:filename>", admin_views.mailing_export, name="fulfilment_mailing_export"),
        path("print-runs/", print_run_views.PrintRunsView.as_view(), name="fulfilment_print_runs"),
        path("print-runs/take/", print_run_views.take_run, name="fulfilment_print_run_take"),
        path("print-runs/<int:pk>/", print_run_views.PrintRunView.as_view(), name="fulfilment_print_run"),
        path("print-runs/<int:pk>/export/", print_run_views.export_run, name="fulfilment_print_run_export"),
    ]


class PermissionMenuItem(MenuItem):
    def __init__(self, *args: Any, permission: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request: HttpRequest) -> bool:
        return request.user.has_perm(self.permission)


@hooks.register("register_admin_menu_item")
def register_print_list_menu_item() -> MenuItem:
    return PermissionMenuItem(
        "Print list", reverse("fulfilment_print_list"), icon_name="list-ul", order=320, permission=admin_views.PERMISSION
    )


@hooks.register("register_admin_menu_item")
def register_print_runs_menu_item() -> MenuItem:
    return PermissionMenuItem(
        "Print runs", reverse("fulfilment_print_runs"), icon_name="doc-full", order=321, permission=admin_views.PERMISSION
    )


@hooks.register("masthead_postal_address_needed")
def address_needed(user: Any) -> str | None:
    """billing asks before a print checkout: where this reader must add an address, if anywhere."""
    return reverse("fulfilment:address") if requires_address(user) else None


@hooks.register("masthead_account_panels")
def address_panel(request: HttpRequest) -> str | None:
    """The reader's delivery address, shown to print readers and to anyone who has given one."""
    user = request.user
    if not user.is_authenticated:
        return None
    address = address_for(user)
    prints = gets_print(user)
    if address is None and not prints:
        return None
    return render_to_string("fulfilment/account_panel.html", {"address": address, "gets_print": prints}, request=request)
