"""Reader-facing newsletter pages: one-click unsubscribe, preferences, account choices, the web archive.

The unsubscribe URL is the one in List-Unsubscribe. Mail clients POST to it
with no cookie and no CSRF token (RFC 8058), so it is csrf_exempt and needs no
sign-in; it answers 200 and never redirects. A GET (a link scanner, or the
reader clicking the footer link) only shows a button: fetching a URL must not
unsubscribe anyone.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from masthead.core.csp import allows, origin_of
from masthead.core.http import safe_next
from masthead.newsletters import rendering, services, tokens
from masthead.newsletters.models import Newsletter, Send, SendStatus, Subscriber, SubscriptionStatus


def _ids(request: HttpRequest) -> list[int]:
    return [int(v) for v in request.POST.getlist("newsletters") if v.isdigit()]


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscriber_id, newsletter_id = tokens.read_unsubscribe_token(token)
    except tokens.BadToken as error:
        return render(request, "newsletters/link_invalid.html", {"error": str(error)}, status=400)
    newsletter = Newsletter.objects.filter(pk=newsletter_id).first()
    context: dict[str, Any] = {
        "newsletter": newsletter,
        "preferences": tokens.preferences_token(subscriber_id),
        "token": token,
    }
    if request.method != "POST":
        return render(request, "newsletters/unsubscribe.html", context)
    send_pk = request.GET.get("send", "")
    send = Send.objects.filter(pk=int(send_pk), newsletter_id=newsletter_id).first() if send_pk.isdigit() else None
    result = services.unsubscribe(subscriber_id=subscriber_id, newsletter_id=newsletter_id, send=send)
    if request.POST.get("List-Unsubscribe") == "One-Click":
        # A mail client, not a person: a short plain answer.
        return HttpResponse(f"Unsubscribed from {result.newsletter}.\n", content_type="text/plain; charset=utf-8")
    return render(request, "newsletters/unsubscribe.html", {**context, "done": True, "result": result})


def _preferences_context(subscriber: Subscriber) -> dict[str, Any]:
    offered = services.offered_to(subscriber.user)
    current = services.choices_of(subscriber)
    return {
        "subscriber": subscriber,
        "newsletters": [(n, current.get(n.pk) in (SubscriptionStatus.ACTIVE, SubscriptionStatus.PENDING)) for n in offered],
        "confirmed": subscriber.confirmed_at is not None,
    }


@never_cache
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    """Choose newsletters from the link in any email, without signing in."""
    try:
        subscriber_id = tokens.read_preferences_token(token)
    except tokens.BadToken as error:
        return render(request, "newsletters/link_invalid.html", {"error": str(error)}, status=400)
    subscriber = Subscriber.objects.select_related("user").filter(pk=subscriber_id).first()
    if subscriber is None:
        return render(request, "newsletters/link_invalid.html", {"error": "This address is no longer on our lists."}, status=404)
    context = {**_preferences_context(subscriber), "token": token}
    if request.method == "POST":
        if "everything" in request.POST:
            services.unsubscribe_everything(subscriber=subscriber)
            context = {**_preferences_context(subscriber), "token": token, "saved": "You will get no more newsletters from us."}
        else:
            on = services.set_choices(subscriber=subscriber, newsletter_ids=_ids(request), source="preferences")
            saved = f"Saved: you receive {', '.join(on)}." if on else "Saved: you receive no newsletters."
            context = {**_preferences_context(subscriber), "token": token, "saved": saved}
    return render(request, "newsletters/preferences.html", context)


@login_required
@require_POST
def account_choices(request: HttpRequest) -> HttpResponse:
    """The account page's newsletter panel posts here (members shows the panel through its hook)."""
    user: Any = request.user
    subscriber = services.confirm_address(user=user, email=user.email) if user.email else None
    if subscriber is None:
        messages.error(request, "Add an email address to your account to receive newsletters.")
    elif "everything" in request.POST:
        services.unsubscribe_everything(subscriber=subscriber)
        messages.success(request, "You will get no more newsletters from us.")
    else:
        on = services.set_choices(subscriber=subscriber, newsletter_ids=_ids(request), source="account", user=user)
        messages.success(request, f"Newsletters saved: {', '.join(on)}." if on else "Newsletters saved: none.")
    return HttpResponseRedirect(safe_next(request, request.POST.get("next"), "/"))


def archive(request: HttpRequest) -> HttpResponse:
    newsletters = Newsletter.objects.filter(active=True)
    sends = (
        Send.objects.filter(status=SendStatus.SENT, newsletter__active=True)
        .select_related("newsletter")
        .order_by("-finished_at")[:100]
    )
    return render(request, "newsletters/archive.html", {"newsletters": newsletters, "sends": sends})


def _email_html_sources() -> dict[str, list[str]]:
    # The web copy is the email's own HTML: MJML's <style> blocks, css-inline's
    # style attributes, images at absolute SITE_URL addresses. Scripts stay blocked.
    return {"style-src": ["'unsafe-inline'"], "img-src": [origin_of(settings.SITE_URL) or "'self'"]}


@allows(_email_html_sources)
def archive_send(request: HttpRequest, pk: int) -> HttpResponse:
    """A sent newsletter on the web, rendered for whoever reads it, through the same gate as the email."""
    send = get_object_or_404(Send.objects.select_related("newsletter", "article", "issue"), pk=pk)
    if send.status != SendStatus.SENT and not request.user.is_staff:
        raise Http404("Not sent yet.")
    rendered = rendering.render(send, request.user if request.user.is_authenticated else None, web=True)
    subscriber = services.subscriber_for_user(request.user) if request.user.is_authenticated else None
    prefs = tokens.preferences_token(subscriber.pk) if subscriber else ""
    from django.urls import reverse

    preferences_url = reverse("newsletters:preferences", args=[prefs]) if prefs else reverse("newsletters:archive")
    html, _ = rendered.personalise({rendered.tokens.unsubscribe: preferences_url, rendered.tokens.preferences: preferences_url})
    response = HttpResponse(html)
    # Rendered for this reader's entitlement: never kept by a shared cache.
    response["Cache-Control"] = "private, no-store"
    return response


def unknown_webhook(request: HttpRequest, rest: str) -> HttpResponse:
    return HttpResponse(
        f"No webhook at {rest!r}: provider webhooks live at /newsletters/webhooks/<provider>/tracking/.\n",
        status=404,
        content_type="text/plain; charset=utf-8",
    )
