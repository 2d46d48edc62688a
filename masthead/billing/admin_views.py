"""Staff pages in the Wagtail admin: subscriptions with MRR, and the refund action."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from masthead.billing import refunds, services
from masthead.billing.models import Subscription
from masthead.billing.panels import subscriber_numbers
from masthead.billing.provider import PaymentError

PERMISSION = "billing.change_subscription"


def _check(request: HttpRequest) -> None:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


def subscriptions(request: HttpRequest) -> HttpResponse:
    _check(request)
    rows = Subscription.objects.select_related("customer__user", "plan")
    query = request.GET.get("q", "").strip()
    if query:
        rows = rows.filter(Q(customer__user__email__icontains=query) | Q(stripe_id=query) | Q(customer__stripe_id=query))
    status = request.GET.get("status", "")
    if status:
        rows = rows.filter(status=status)
    page = Paginator(rows, 50).get_page(request.GET.get("p"))
    context = {"page_obj": page, "numbers": subscriber_numbers(), "query": query, "status": status}
    return TemplateResponse(request, "billing/admin/subscriptions.html", context)


@require_POST
def refund(request: HttpRequest, pk: int) -> HttpResponse:
    _check(request)
    sub = get_object_or_404(Subscription, pk=pk)
    try:
        refunds.staff_refund(subscription=sub, provider=services.get_provider())
    except PaymentError as exc:
        messages.error(request, f"Refund failed ({'try again later' if exc.retryable else 'not retryable'}): {exc}")
    else:
        messages.success(request, f"Refunded and ended {sub.stripe_id} for {sub.customer.user.email}.")
    return HttpResponseRedirect(reverse("billing_admin:subscriptions"))
