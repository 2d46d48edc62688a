"""Staff's print list in the Wagtail admin: who gets the next issue, who is missing an address, CSV download.

Addresses are personal data: the views need fulfilment.view_postaladdress
(superusers have it; give it to a "Circulation" group), not just admin access.
"""

from __future__ import annotations

import io
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from masthead.fulfilment.exporters.csv_exporter import CSVMailingExporter
from masthead.fulfilment.mailing import Mailing, current_mailing, mailing_for_issue

PERMISSION = "fulfilment.view_postaladdress"


def _forbidden(request: HttpRequest) -> HttpResponse | None:
    # A real 403 rather than PermissionDenied: Wagtail's admin turns that into a
    # redirect to the dashboard, which hides the refusal from scripts and tests.
    if request.user.has_perm(PERMISSION):
        return None
    return HttpResponseForbidden("The print list needs the 'view postal address' permission.", content_type="text/plain")


def _issue(request: HttpRequest) -> Any:
    """The issue chosen in the filter, or None for "now"; a bad id is a 404, not a silent fallback."""
    from masthead.newsroom.models import IssuePage

    issue_id = request.GET.get("issue", "")
    if not issue_id:
        return None
    if not issue_id.isdigit():
        raise Http404(f"No issue with id {issue_id!r}")
    return get_object_or_404(IssuePage, pk=int(issue_id))


def _mailing(request: HttpRequest) -> Mailing:
    issue = _issue(request)
    return mailing_for_issue(issue) if issue is not None else current_mailing()


class PrintListView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "fulfilment/admin/print_list.html"
    page_title = "Print list"
    header_icon = "list-ul"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return _forbidden(request) or super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from masthead.newsroom.models import IssuePage

        context = super().get_context_data(**kwargs)
        mailing = _mailing(self.request)
        context.update(
            mailing=mailing,
            issues=IssuePage.objects.live().order_by("-cover_date")[:48],
            selected_issue=self.request.GET.get("issue", ""),
        )
        return context


def print_list_csv(request: HttpRequest) -> HttpResponse:
    if refused := _forbidden(request):
        return refused
    mailing = _mailing(request)
    buffer = io.StringIO()
    CSVMailingExporter().export(mailing, buffer)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime(mailing.taken_at).strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="mailing-list-{stamp}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response
