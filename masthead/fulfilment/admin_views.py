"""Staff's print list in the Wagtail admin: who gets the next issue, who is missing an address, CSV download.

Addresses are personal data: the views need fulfilment.view_postaladdress
(superusers have it; give it to a "Circulation" group), not just admin access.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from masthead.fulfilment.mailing import Mailing, current_mailing, mailing_for_issue
from masthead.fulfilment.models import MailingListExport
from masthead.fulfilment.services import record_export

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


def _mailing(issue: Any) -> Mailing:
    return mailing_for_issue(issue) if issue is not None else current_mailing()


class PrintListView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "fulfilment/admin/print_list.html"
    page_title = "Print list"
    header_icon = "list-ul"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return _forbidden(request) or super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from masthead.newsroom.models import IssuePage

        context = super().get_context_data(**kwargs)
        issue = _issue(self.request)
        context.update(
            mailing=_mailing(issue),
            exports=MailingListExport.objects.filter(issue=issue).defer("content")[:10],
            issues=IssuePage.objects.live().newest_first()[:48],
            selected_issue=self.request.GET.get("issue", ""),
        )
        return context


def print_list_csv(request: HttpRequest) -> HttpResponse:
    """Store the list as a version (or find the identical latest one) and send the reader to its URL."""
    if refused := _forbidden(request):
        return refused
    issue = _issue(request)
    export = record_export(issue=issue, mailing=_mailing(issue), created_by=request.user)
    return redirect("fulfilment_mailing_export", pk=export.pk, filename=export.filename)


def mailing_export(request: HttpRequest, pk: int, filename: str) -> HttpResponse:
    if refused := _forbidden(request):
        return refused
    export = get_object_or_404(MailingListExport, pk=pk)
    response = HttpResponse(export.content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
