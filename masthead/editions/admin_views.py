"""Staff tools: every issue's edition files with their state, failures with the reason and a Retry,
a Rebuild, and the print preflight report.

Seeing the list needs the admin; starting builds needs the editions.change_editionfile permission
(they spend the machine's CPU), as narration's re-queue does.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import user_passes_test
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from masthead.editions import services, tasks
from masthead.editions.models import EditionFile, Kind
from masthead.newsroom.models import IssuePage

ISSUES_SHOWN = 48


def _can_use_admin(user: Any) -> bool:
    return bool(user.is_active and user.has_perm("wagtailadmin.access_admin"))


def _may_build(user: Any) -> bool:
    return bool(user.is_superuser or user.has_perm("editions.change_editionfile"))


def issue_rows(issues: list[IssuePage]) -> list[dict[str, Any]]:
    """Per issue and kind: the file readers get now, and the newest build if it is not that one."""
    files = EditionFile.objects.filter(issue_id__in=[i.pk for i in issues]).exclude(status=EditionFile.Status.SUPERSEDED)
    by_issue: dict[int, dict[str, list[EditionFile]]] = {}
    for row in files.order_by("-version"):
        by_issue.setdefault(row.issue_id, {}).setdefault(row.kind, []).append(row)
    out = []
    for issue in issues:
        kinds = []
        for kind in Kind:
            rows = by_issue.get(issue.pk, {}).get(kind.value, [])
            current = next((r for r in rows if r.is_ready), None)
            newest = rows[0] if rows else None
            kinds.append({"kind": kind, "current": current, "newest": newest if newest is not current else None})
        out.append({"issue": issue, "kinds": kinds})
    return out


@require_http_methods(["GET"])
@user_passes_test(_can_use_admin, login_url="wagtailadmin_login")
def editions_report(request: HttpRequest) -> HttpResponse:
    issues = list(IssuePage.objects.newest_first()[:ISSUES_SHOWN])
    return TemplateResponse(
        request,
        "editions/admin/report.html",
        {"page_title": "Editions", "header_icon": "doc-full", "rows": issue_rows(issues), "may_build": _may_build(request.user)},
    )


@require_http_methods(["GET"])
@user_passes_test(_can_use_admin, login_url="wagtailadmin_login")
def preflight(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(EditionFile.objects.select_related("issue"), pk=pk, kind__in=[Kind.PRINT, Kind.PRINT_COVER])
    return TemplateResponse(
        request,
        "editions/admin/preflight.html",
        {"page_title": f"Preflight: {row.issue.title}", "header_icon": "doc-full", "row": row, "report": row.details},
    )


@require_POST
@user_passes_test(_can_use_admin, login_url="wagtailadmin_login")
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    if not _may_build(request.user):
        raise PermissionDenied
    try:
        row = tasks.retry_build(edition_id=pk)
    except services.EditionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{row.get_kind_display()} of {row.issue.title} is queued again.")
    return redirect(reverse("editions_admin_report"))


@require_POST
@user_passes_test(_can_use_admin, login_url="wagtailadmin_login")
def rebuild(request: HttpRequest, pk: int) -> HttpResponse:
    if not _may_build(request.user):
        raise PermissionDenied
    issue = get_object_or_404(IssuePage, pk=pk)
    try:
        rows = tasks.queue_issue_builds(issue_id=issue.pk, force=request.POST.get("force") == "1")
    except services.EditionError as exc:
        messages.error(request, str(exc))
    else:
        if rows:
            messages.success(request, f"Queued {len(rows)} file(s) of {issue.title}.")
        else:
            messages.info(request, f"Nothing to rebuild: the files of {issue.title} match its content.")
    return redirect(reverse("editions_admin_report"))
