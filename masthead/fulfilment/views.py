"""The reader's own address page (linked from the account page and from a print checkout)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from masthead.core.http import AuthenticatedHttpRequest, safe_next
from masthead.fulfilment.forms import PostalAddressForm
from masthead.fulfilment.models import PostalAddress


def _next_url(request: HttpRequest) -> str:
    return safe_next(request, request.POST.get("next") or request.GET.get("next"), reverse("fulfilment:address"))


@never_cache
@login_required
def address(request: AuthenticatedHttpRequest) -> HttpResponse:
    instance = PostalAddress.objects.filter(user=request.user).first() or PostalAddress(user=request.user)
    if request.method == "POST":
        form = PostalAddressForm(request.POST, instance=instance)
        if form.is_valid():
            with transaction.atomic():
                form.save()
            messages.success(request, "Your postal address is saved. The next print issue goes there.")
            return redirect(_next_url(request))
    else:
        form = PostalAddressForm(instance=instance)
    return render(
        request,
        "fulfilment/address.html",
        {"form": form, "next": _next_url(request) if "next" in request.GET else "", "has_address": instance.pk is not None},
    )


@never_cache
@login_required
@require_POST
def remove_address(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A reader may take their address back at any time; print readers are then flagged on the print list."""
    deleted, _ = PostalAddress.objects.filter(user=request.user).delete()
    if deleted:
        messages.success(request, "Your postal address is removed.")
    return redirect(_next_url(request))
