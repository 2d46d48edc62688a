"""Print runs in the Wagtail admin: the list of runs and the issues coming up, one run's counts by
country and recipients, taking a run, and the mailing-house CSV with who exported it when.

Addresses are personal data: every view needs fulfilment.view_postaladdress (the print list's permission).
Writes are POSTs (a link prefetched or clicked twice must not record an export or take a run).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from masthead.fulfilment.admin_views import _forbidden
from masthead.fulfilment.models import PrintRun
from masthead.fulfilment.print_runs import (
    PrintRunError,
    closes_at,
    closing_date,
    counts_by_country,
    export_csv,
    export_filename,
    issue_label,
    take_print_run,
)


class _Staff(WagtailAdminTemplateMixin, TemplateView):
    header_icon = "list-ul"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return _forbidden(request) or super().dispatch(request, *args, **kwargs)


class PrintRunsView(_Staff):
    template_name = "fulfilment/admin/print_runs.html"
    page_title = "Print runs"

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from masthead.newsroom.models import IssuePage

        context = super().get_context_data(**kwargs)
        now = timezone.now()
        upcoming = []
        for issue in IssuePage.objects.filter(cover_date__gte=timezone.localdate(), print_run__isnull=True).order_by(
            "cover_date"
        )[:6]:
            upcoming.append(
                {"issue": issue, "label": issue_label(issue), "closes": closing_date(issue), "due": closes_at(issue) <= now}
            )
        context.update(runs=PrintRun.objects.select_related("taken_by").prefetch_related("exports")[:48], upcoming=upcoming)
        return context


class PrintRunView(_Staff):
    template_name = "fulfilment/admin/print_run.html"

    @property
    def page_title(self) -> str:  # type: ignore[override]
        return str(self.run)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.run = get_object_or_404(PrintRun, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        from django.urls import reverse

        return [
            *self.breadcrumbs_items,
            {"url": reverse("fulfilment_print_runs"), "label": "Print runs"},
            {"url": "", "label": self.run.issue_label},
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            run=self.run,
            countries=counts_by_country(self.run),
            recipients=self.run.recipients.all(),
            exports=self.run.exports.select_related("exported_by"),
        )
        return context


@require_POST
def take_run(request: HttpRequest) -> HttpResponse:
    from masthead.newsroom.models import IssuePage

    if refused := _forbidden(request):
        return refused
    issue_id = request.POST.get("issue", "")
    issue = get_object_or_404(IssuePage, pk=int(issue_id)) if issue_id.isdigit() else None
    if issue is None:
        messages.error(request, "Choose an issue to take the print run of.")
        return redirect("fulfilment_print_runs")
    try:
        run = take_print_run(issue=issue, by=request.user)
    except PrintRunError as exc:
        messages.error(request, str(exc))
        return redirect("fulfilment_print_runs")
    return redirect("fulfilment_print_run", pk=run.pk)


@require_POST
def export_run(request: HttpRequest, pk: int) -> HttpResponse:
    if refused := _forbidden(request):
        return refused
    run = get_object_or_404(PrintRun, pk=pk)
    content, _ = export_csv(run=run, by=request.user)
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(run)}"'
    response["Cache-Control"] = "private, no-store"
    return response
