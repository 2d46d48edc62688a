"""Reader-facing billing pages and the Stripe webhook endpoint.

Card details never reach these views: the card field is Stripe.js (or
localstripe's stand-in), which confirms a SetupIntent directly with Stripe;
we only receive the SetupIntent id and ask Stripe what it says.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from masthead.billing import guarantee as money_back
from masthead.billing import services, webhooks
from masthead.billing.csp import allows_card_form
from masthead.billing.models import Customer, Plan
from masthead.billing.provider import PaymentError
from masthead.core import counters
from masthead.core.http import AuthenticatedHttpRequest, safe_next

# Card-testing defence: at most this many card forms per reader per 10 minutes.
CHECKOUTS_PER_WINDOW = 8
WINDOW_SECONDS = 600


def _next_url(request: HttpRequest) -> str:
    return safe_next(request, request.POST.get("next") or request.GET.get("next"), reverse("billing:account"))


def _throttled(request: HttpRequest) -> bool:
    # Shared counters, not the cache: the local-memory cache is per worker process.
    return counters.hit(f"billing:checkouts:{request.user.pk}", timedelta(seconds=WINDOW_SECONDS)) > CHECKOUTS_PER_WINDOW


@never_cache
def plans(request: HttpRequest) -> HttpResponse:
    current = services.live_subscription(request.user) if request.user.is_authenticated else None
    offered = Plan.objects.filter(active=True)
    return render(request, "billing/plans.html", {"plans": offered, "current": current, "next": _came_from(request)})


def _came_from(request: HttpRequest) -> str:
    """Where to send a new subscriber back to: ?next=, else the page (e.g. the article) that linked here."""
    candidate = request.GET.get("next", "")
    if not candidate:
        referer = urlsplit(request.META.get("HTTP_REFERER", ""))
        if referer.netloc == request.get_host() and not referer.path.startswith("/billing/"):
            candidate = referer.path
    return safe_next(request, candidate, "")


@never_cache
@login_required
@allows_card_form
def subscribe(request: HttpRequest, slug: str) -> HttpResponse:
    plan = get_object_or_404(Plan, slug=slug, active=True)
    error = ""
    if request.method == "POST":
        try:
            services.complete_subscription(user=request.user, plan=plan, setup_intent_id=request.POST.get("setup_intent", ""))
        except services.BillingError as exc:
            error = str(exc)
        except PaymentError as exc:
            error = exc.user_message
        else:
            messages.success(request, f"Welcome! Your {plan.name} subscription is active.")
            return HttpResponseRedirect(_next_url(request))
    address_url = services.postal_address_missing(request.user) if plan.includes_print else None
    context: dict[str, Any] = {"plan": plan, "error": error, "next": _next_url(request), "address_url": address_url}
    if address_url is None:
        if _throttled(request):
            context["error"] = "Too many payment attempts. Please wait a few minutes and try again."
            return render(request, "billing/subscribe.html", context, status=429)
        try:
            context["checkout"] = services.start_checkout(user=request.user, plan=plan)
        except services.BillingError as exc:
            context["error"] = str(exc)
        except PaymentError as exc:
            context["error"] = exc.user_message
    return render(request, "billing/subscribe.html", context, status=400 if context["error"] and request.method == "GET" else 200)


@never_cache
@login_required
def account(request: HttpRequest) -> HttpResponse:
    """Billing's own account page; the members account page shows the same panel."""
    from masthead.billing.panels import account_panel

    return render(request, "billing/account.html", {"panel": account_panel(request)})


def _action(request: HttpRequest, run: Any, done: str) -> HttpResponse:
    try:
        run()
    except services.BillingError as exc:
        messages.error(request, str(exc))
    except PaymentError as exc:
        messages.error(request, exc.user_message)
    else:
        messages.success(request, done)
    return HttpResponseRedirect(_next_url(request))


@require_POST
@login_required
def cancel(request: HttpRequest) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _action(
        request,
        lambda: services.cancel_at_period_end(user=request.user, reason=reason),
        "Your subscription will not renew. You keep full access until the end of the period you paid for.",
    )


@require_POST
@login_required
def resume(request: HttpRequest) -> HttpResponse:
    return _action(request, lambda: services.resume(user=request.user), "Welcome back: your subscription will renew as before.")


@require_POST
@login_required
def guarantee(request: HttpRequest) -> HttpResponse:
    return _action(
        request,
        lambda: money_back.claim_guarantee(user=request.user),
        "Your payment has been refunded in full and your subscription has ended. A confirmation email is on its way.",
    )


@never_cache
@login_required
@allows_card_form
def payment_method(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Replace the card future renewals are charged to."""
    customer = Customer.objects.filter(user=request.user).first()
    if customer is None:
        messages.error(request, "You have no payment method on file yet.")
        return HttpResponseRedirect(reverse("billing:plans"))
    provider = services.get_provider()
    error = ""
    if request.method == "POST":
        try:
            card = provider.finish_setup(customer_id=customer.stripe_id, setup_intent_id=request.POST.get("setup_intent", ""))
        except PaymentError as exc:
            error = exc.user_message
        else:
            Customer.objects.filter(pk=customer.pk).update(
                card_fingerprint=card.fingerprint, card_brand=card.brand, card_last4=card.last4
            )
            messages.success(request, f"Future payments will be charged to the card ending {card.last4}.")
            return HttpResponseRedirect(_next_url(request))
    if _throttled(request):
        return render(
            request, "billing/payment_method.html", {"error": "Too many attempts. Please wait a few minutes."}, status=429
        )
    intent_id, secret = provider.create_setup_intent(customer_id=customer.stripe_id)
    context: dict[str, Any] = {
        "error": error,
        "client_secret": secret,
        "provider": provider,
        "next": _next_url(request),
        "customer": customer,
    }
    return render(request, "billing/payment_method.html", context)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    outcome = webhooks.receive(request.body, request.META.get("HTTP_STRIPE_SIGNATURE", ""))
    return HttpResponse(outcome.message, status=outcome.status, content_type="text/plain")
