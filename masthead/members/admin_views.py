"""Staff member tools in the Wagtail admin: the members list, comp grants, CSV export and import.

Reading the list and exporting need access.view_grant; granting comps and
importing need access.add_grant. Without them the answer is a plain 403
(Wagtail's admin would otherwise turn PermissionDenied into a redirect).
"""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from masthead.access import services as access_services
from masthead.access.models import Grant, GrantKind
from masthead.members import csv_io, services, staff_queries

VIEW_PERMISSION = "access.view_grant"
MANAGE_PERMISSION = "access.add_grant"


def _refuse(request: HttpRequest, permission: str) -> HttpResponse | None:
    if request.user.has_perm(permission):
        return None
    return HttpResponseForbidden(f"This page needs the {permission!r} permission.", content_type="text/plain")


def _listed(request: HttpRequest) -> tuple[Any, str, str]:
    query = request.GET.get("q", "")
    chosen = request.GET.get("filter", "")
    if chosen not in staff_queries.FILTERS:
        chosen = ""
    rows = staff_queries.apply_filter(staff_queries.search(staff_queries.readers(), query), chosen)
    return rows, query, chosen


@never_cache
def members_list(request: HttpRequest) -> HttpResponse:
    if refused := _refuse(request, VIEW_PERMISSION):
        return refused
    rows, query, chosen = _listed(request)
    page = Paginator(rows, 50).get_page(request.GET.get("p"))
    for row in page:
        row.status = staff_queries.status(row)
        row.display_name = staff_queries.display_name(row)
    return TemplateResponse(
        request,
        "members/admin/members_list.html",
        {
            "page_obj": page,
            "query": query,
            "filter": chosen,
            "filters": staff_queries.FILTERS,
            "can_manage": request.user.has_perm(MANAGE_PERMISSION),
            "export_query": request.GET.urlencode(),
            "page_title": "Members and subscribers",
        },
    )


@never_cache
def members_csv(request: HttpRequest) -> HttpResponse:
    if refused := _refuse(request, VIEW_PERMISSION):
        return refused
    rows, _, _ = _listed(request)
    out = io.StringIO()
    csv_io.write_csv(rows, out)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="members-{timezone.localdate():%Y-%m-%d}.csv"'
    return response


class CompForm(forms.Form):
    email = forms.EmailField(help_text="An account is created if this reader has none yet.")
    until = forms.DateField(
        label="Access until (inclusive)", widget=forms.DateInput(attrs={"type": "date"}), help_text="The last day of access."
    )
    includes_print = forms.BooleanField(label="Include the print edition", required=False)
    note = forms.CharField(max_length=255, required=False, help_text="Why, e.g. 'Press pass' or 'Contributor'.")

    def clean_until(self) -> Any:
        until = self.cleaned_data["until"]
        if until < timezone.localdate():
            raise forms.ValidationError("The end date is in the past; choose today or a later day.")
        return until


def _reader_for(email: str) -> Any:
    email = email.strip().lower()
    existing = get_user_model().objects.filter(email__iexact=email).order_by("pk").first()
    return existing or services.create_reader(email=email)


@never_cache
def grant_comp(request: HttpRequest) -> HttpResponse:
    if refused := _refuse(request, MANAGE_PERMISSION):
        return refused
    form = CompForm(request.POST or None, initial={"email": request.GET.get("email", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = _reader_for(data["email"])
        if form.cleaned_data["includes_print"] and not _has_address(user):
            messages.warning(request, f"{user.email} gets print but has no postal address yet; they will be asked for one.")
        grant = access_services.grant_comp(
            user=user, until=data["until"], includes_print=data["includes_print"], note=data["note"], created_by=request.user
        )
        with_print = " with print" if grant.includes_print else ""
        messages.success(request, f"Complimentary access for {user.email} until {data['until']:%B %-d, %Y}{with_print}.")
        return redirect("members_staff:list")
    return TemplateResponse(request, "members/admin/comp_form.html", {"form": form, "page_title": "Grant complimentary access"})


def _has_address(user: Any) -> bool:
    # fulfilment depends on members, not the reverse: ask through the relation name only.
    return hasattr(user, "postal_address")


class ImportForm(forms.Form):
    file = forms.FileField(label="CSV file (Ghost member export columns)")

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError("The file is larger than 20 MB; split it.")
        return upload


@never_cache
def import_csv(request: HttpRequest) -> HttpResponse:
    if refused := _refuse(request, MANAGE_PERMISSION):
        return refused
    form = ImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form, "columns": csv_io.COLUMNS, "page_title": "Import members from CSV"}
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            report = csv_io.import_members(form.cleaned_data["file"].read(), created_by=request.user)
        except csv_io.ImportRejected as rejected:
            context["errors"] = rejected.report.errors
            status = 400
        else:
            messages.success(
                request,
                f"Imported: {report.created} new, {report.updated} updated, {report.comps} comp(s), "
                f"{report.skipped_deleted} deleted row(s) skipped"
                + (f"; ignored columns: {', '.join(report.ignored_columns)}" if report.ignored_columns else "")
                + ".",
            )
            return redirect("members_staff:list")
    return TemplateResponse(request, "members/admin/import.html", context, status=status)


@require_POST
def end_comp(request: HttpRequest, user_id: int) -> HttpResponse:
    """End a reader's complimentary access now (revoked: private feeds and downloads are withdrawn too)."""
    if refused := _refuse(request, MANAGE_PERMISSION):
        return refused
    reader = get_object_or_404(get_user_model(), pk=user_id)
    comps = list(Grant.objects.filter(user=reader, kind=GrantKind.COMP).active().values_list("reference", flat=True))
    with transaction.atomic():
        for reference in comps:
            access_services.end_access(kind=GrantKind.COMP, reference=reference, reason="revoked")
    if comps:
        messages.success(request, f"Complimentary access for {reader.email} has ended.")
    else:
        messages.warning(request, f"{reader.email} had no complimentary access to end.")
    return redirect("members_staff:list")
