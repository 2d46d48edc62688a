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

from masthead.billing import changes, gifts, offer, promos, services, webhooks
from masthead.billing import guarantee as money_back
from masthead.billing.csp import allows_card_form
from masthead.billing.forms import BillingDetailsForm, GiftForm
from masthead.billing.models import Customer, GiftPurchase, Payment, Plan, format_money
from masthead.billing.provider import ChangePreview, PaymentError
from masthead.core import counters
from masthead.core.http import AuthenticatedHttpRequest, safe_next
from masthead.core.models import MagazineSettings

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
    magazine = MagazineSettings.current(request)
    offered = list(Plan.objects.filter(active=True))
    cards, rows = offer.cards(offered, magazine)
    trials = {card.plan.pk: services.trial_days_for(request.user, card.plan) for card in cards}
    context = {
        "plans": offered,
        "cards": [(card, trials[card.plan.pk]) for card in cards],
        "rows": rows,
        "current": current,
        "next": _came_from(request),
        "magazine": magazine,
        "guarantee": money_back.offered_to(request.user),
    }
    return render(request, "billing/plans.html", context)


def _came_from(request: HttpRequest) -> str:
    """Where to send a new subscriber back to: ?next=, else the page (e.g. the article) that linked here."""
    candidate = request.GET.get("next", "")
    if not candidate:
        referer = urlsplit(request.META.get("HTTP_REFERER", ""))
        if referer.netloc == request.get_host() and not referer.path.startswith("/billing/"):
            candidate = referer.path
    return safe_next(request, candidate, "")


def _consume_messages(request: HttpRequest) -> None:
    """Checkout says who is signed in itself; "You are signed in." must not trail onto the next step."""
    for _ in messages.get_messages(request):
        pass


@never_cache
def subscribe(request: HttpRequest, slug: str) -> HttpResponse:
    plan = get_object_or_404(Plan, slug=slug, active=True)
    magazine = MagazineSettings.current(request)
    if not request.user.is_authenticated:
        # Name the plan and carry on to this checkout after the sign-in link or password.
        # No card form here, so none of Stripe's origins in this page's policy either.
        here = request.get_full_path()
        context = {"plan": plan, "next": here, "trial_days": services.trial_days_for(request.user, plan), "magazine": magazine}
        return render(request, "billing/subscribe_signin.html", context)
    return _checkout(request, plan, magazine)


@allows_card_form
def _checkout(request: HttpRequest, plan: Plan, magazine: MagazineSettings) -> HttpResponse:
    _consume_messages(request)
    error = ""
    code = request.POST.get("code", "").strip()[:60] if request.method == "POST" else request.GET.get("code", "").strip()[:60]
    if request.method == "POST":
        try:
            services.complete_subscription(
                user=request.user, plan=plan, setup_intent_id=request.POST.get("setup_intent", ""), code=code
            )
        except services.BillingError as exc:
            error = str(exc)
        except PaymentError as exc:
            error = exc.user_message
        else:
            sub = services.live_subscription(request.user)
            if sub is not None and sub.status == "trialing":
                done = f"Welcome! Your free trial of {plan.name} has started; it runs until {sub.current_period_end:%B %-d, %Y}."
            else:
                done = f"Welcome! Your {plan.name} subscription is active."
            messages.success(request, done)
            return HttpResponseRedirect(_next_url(request))
    address_url = services.postal_address_missing(request.user) if plan.includes_print else None
    context: dict[str, Any] = {
        "plan": plan,
        "error": error,
        "next": _next_url(request),
        "address_url": address_url,
        "code": code,
        "magazine": magazine,
        "guarantee": money_back.offered_to(request.user),
    }
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
        if code and "checkout" in context:
            # Checked before the card is asked for, so a mistyped code never costs a card entry.
            try:
                promo = promos.check_code(code, plan=plan, customer=context["checkout"].customer)
            except promos.CodeRefused as exc:
                context["code_error"] = str(exc)
            else:
                context["promo"] = promo
                context["pay_today"] = format_money(plan.amount - promo.discount_on(plan.amount), plan.currency)
    # A refused POST is a page saying why (200, as before); a GET that cannot offer a checkout is a 400.
    failed = request.method == "GET" and (context["error"] or context.get("code_error"))
    return render(request, "billing/subscribe.html", context, status=400 if failed else 200)


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


@never_cache
@login_required
def guarantee(request: HttpRequest) -> HttpResponse:
    """GET asks the reader to confirm (what is refunded, that access ends now); POST refunds.

    The form names the subscription it was shown for: a confirmation left open
    in another tab refunds nothing once that subscription has changed.
    """
    sub = services.live_subscription(request.user)
    if request.method == "POST":
        if sub is None or request.POST.get("subscription") != sub.stripe_id:
            messages.error(request, "Nothing was refunded: this confirmation is out of date. Please check your account.")
            return HttpResponseRedirect(reverse("billing:account"))
        return _action(
            request,
            lambda: money_back.claim_guarantee(user=request.user),
            "Your payment has been refunded in full and your subscription has ended. A confirmation email is on its way.",
        )
    if sub is None:
        messages.error(request, "You have no active subscription to refund.")
        return HttpResponseRedirect(reverse("billing:account"))
    status = money_back.guarantee_status(sub)
    refundable = list(sub.payments.filter(refunded_at__isnull=True))
    context = {
        "subscription": sub,
        "status": status,
        "payments": refundable,
        "total": services.total_display(refundable),
        "next": _next_url(request),
        "magazine": MagazineSettings.current(request),
    }
    return render(request, "billing/guarantee_confirm.html", context, status=200 if status.eligible else 409)


@never_cache
@login_required
def change_plan(request: HttpRequest, slug: str) -> HttpResponse:
    """GET shows what changes and Stripe's figure for today; POST makes the change, charging that figure.

    A POST whose quote is out of date (another tab changed the plan, the amount moved, the page
    is old) changes nothing and comes back here, where the reader sees today's figure again.
    """
    plan = get_object_or_404(Plan, slug=slug)
    here = reverse("billing:change_plan", args=[plan.slug])
    if request.method == "POST":
        try:
            quote = changes.read_quote(request.POST.get("quote", ""), user=request.user, plan=plan)
            outcome = changes.change_plan(user=request.user, plan=plan, quote=quote)
        except changes.QuoteOutdated as exc:
            messages.error(request, str(exc))
            return HttpResponseRedirect(here)
        except services.BillingError as exc:
            messages.error(request, str(exc))
        except PaymentError as exc:
            messages.error(request, exc.user_message)
        else:
            messages.success(request, _changed_message(plan, outcome))
        return HttpResponseRedirect(_next_url(request))
    error = ""
    sub = services.live_subscription(request.user)
    context: dict[str, Any] = {"plan": plan, "next": _next_url(request)}
    try:
        sub, preview, quote = changes.preview_change(user=request.user, plan=plan)
    except services.BillingError as exc:
        error = str(exc)
    else:
        context["quote"] = quote.sign()
        context["amount"] = _amount(preview, old=sub.plan, new=plan) if preview else None
    context.update(subscription=sub, error=error)
    return render(request, "billing/change_plan.html", context, status=409 if error else 200)


def _amount(preview: ChangePreview, *, old: Plan | None, new: Plan) -> dict[str, Any]:
    """Stripe's figures for the page, as words: the sum today and what it is made of, each part Stripe's."""
    cur = preview.currency
    parts = []
    if preview.charges and preview.charges_are_prorated and old is not None:
        parts.append(f"{format_money(preview.charges, cur)} for the rest of your current {old.interval} on {new.name}")
    elif preview.charges:
        parts.append(f"{format_money(preview.charges, cur)} for {new.name}")
    if preview.credits:
        parts.append(
            f"less {format_money(preview.credits, cur)} credit for the unused part of {old.name if old else 'your plan'}"
        )
    if preview.other_charges:
        parts.append(f"plus {format_money(preview.other_charges, cur)} of other charges")
    if preview.discount:
        parts.append(f"less {format_money(preview.discount, cur)} discount")
    if preview.tax:
        parts.append(f"plus {format_money(preview.tax, cur)} tax")
    if preview.balance_used > 0:
        parts.append(f"less {format_money(preview.balance_used, cur)} from the credit already on your account")
    return {
        "due": preview.amount_due,
        "due_display": format_money(preview.amount_due, cur),
        "made_of": " ".join(parts),
        "lines": [(line.description or new.name, _signed(line.amount, cur)) for line in preview.lines],
        "discount": format_money(preview.discount, cur) if preview.discount else "",
        "tax": format_money(preview.tax, cur) if preview.tax else "",
        "balance_used": format_money(preview.balance_used, cur) if preview.balance_used > 0 else "",
        "credit_kept": format_money(preview.credit_kept, cur) if preview.credit_kept else "",
    }


def _signed(amount: int, currency: str) -> str:
    return f"−{format_money(-amount, currency)}" if amount < 0 else format_money(amount, currency)


def _changed_message(plan: Plan, outcome: changes.ChangeOutcome) -> str:
    done = f"You are now on {plan.name}."
    charged, shown = outcome.charged, outcome.shown
    if charged is None:
        return done
    paid = format_money(charged, outcome.currency)
    if shown is not None and charged != shown:
        # Never silently: the change is made, and the reader is told the figure differs.
        return (
            f"{done} {paid} was charged to your card, not the {format_money(shown, outcome.currency)} shown; "
            "your receipt lists each line."
        )
    if charged == 0:
        return f"{done} Nothing was charged today."
    return f"{done} {paid} was charged to your card; your receipt is on its way."


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


@never_cache
@login_required
@allows_card_form
def gift(request: HttpRequest) -> HttpResponse:
    """Buy a gift subscription: choose, pay once with a card, get a code (emailed too)."""
    form = GiftForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            option = gifts.option_for(form.cleaned_data["option"])
            purchase = gifts.buy_gift(
                user=request.user,
                option=option,
                setup_intent_id=request.POST.get("setup_intent", ""),
                recipient_email=form.cleaned_data["recipient_email"],
                message=form.cleaned_data["message"],
            )
        except services.BillingError as exc:
            error = str(exc)
        except PaymentError as exc:
            error = exc.user_message
        else:
            return HttpResponseRedirect(reverse("billing:gift_done", args=[purchase.pk]))
    context: dict[str, Any] = {"form": form, "error": error}
    if not form.offered:
        context["error"] = "No gifts are on offer right now."
    elif _throttled(request):
        context["error"] = "Too many payment attempts. Please wait a few minutes and try again."
        return render(request, "billing/gift.html", context, status=429)
    else:
        try:
            context["checkout"] = services.start_card_form(user=request.user)
        except PaymentError as exc:
            context["error"] = exc.user_message
    return render(request, "billing/gift.html", context, status=400 if error else 200)


@never_cache
@login_required
def gift_done(request: HttpRequest, pk: int) -> HttpResponse:
    purchase = get_object_or_404(GiftPurchase, pk=pk, buyer=request.user)
    return render(request, "billing/gift_done.html", {"purchase": purchase})


@never_cache
@login_required
def details(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The buyer's name, address and VAT / tax ID for receipts (and Stripe's invoices)."""
    customer = Customer.objects.filter(user=request.user).first()
    initial = (
        {f: getattr(customer, f) for f in ("billing_name", "billing_address", "billing_country", "tax_id")} if customer else {}
    )
    form = BillingDetailsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_billing_details(user=request.user, **form.cleaned_data)
        except PaymentError as exc:
            form.add_error(None, exc.user_message)
        else:
            messages.success(request, "Your billing details are saved. Receipts from now on show them.")
            return HttpResponseRedirect(reverse("billing:account"))
    return render(request, "billing/details.html", {"form": form})


@never_cache
@login_required
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """One payment as a receipt a business can file: seller, buyer, tax ID, subtotal, discount, tax, total."""
    payment = get_object_or_404(
        Payment.objects.select_related("subscription__plan", "customer"), pk=pk, customer__user=request.user
    )
    return render(request, "billing/receipt.html", {"payment": payment, "magazine": MagazineSettings.current(request)})


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    outcome = webhooks.receive(request.body, request.META.get("HTTP_STRIPE_SIGNATURE", ""))
    return HttpResponse(outcome.message, status=outcome.status, content_type="text/plain")
