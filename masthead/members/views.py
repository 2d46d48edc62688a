"""Accounts: sign up and sign in (email link or password), sign out, email change, gifts, the account page.

Every response to "here is an email address" is the same page with the same
status, and sends exactly one email, whether or not the address has an
account — so neither the page nor its timing tells who reads the magazine.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model, login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from wagtail import hooks

from masthead.access import entitlements
from masthead.access.models import Grant, GrantKind
from masthead.access.services import AccessError
from masthead.core.http import safe_next
from masthead.members import emails, services, throttle, tokens
from masthead.members.forms import EmailChangeForm, EmailForm, GiftForm, SignInForm

MODEL_BACKEND = "masthead.core.auth.ModelBackend"
NO_MATCH_MESSAGE = "That email address and password do not match. Check both, or leave the password empty to get a sign-in link."
ACCOUNT_CLOSED = "The account for this address is closed. Write to us if you want it opened again."
EMAIL_TAKEN = "Another account now uses that address; nothing changed."


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    return safe_next(request, candidate, reverse("members:account"))


# Plug-in points for apps members may not import (newsletters adds its choices this way):
#   masthead_signup_fields(request) -> HTML shown in the sign-up form, or None
#   masthead_sign_up_requested(request, email): the form was sent (the address is not proven yet)
#   masthead_address_confirmed(user, email): the reader proved they read `email` (a sign-in link, an email change)
SIGNUP_FIELDS_HOOK = "masthead_signup_fields"
SIGN_UP_REQUESTED_HOOK = "masthead_sign_up_requested"
ADDRESS_CONFIRMED_HOOK = "masthead_address_confirmed"


def _hook_html(name: str, *args: Any) -> list[Any]:
    # Fragments come from our own apps' hooks, which render them with autoescaping templates.
    return [mark_safe(html) for hook in hooks.get_hooks(name) if (html := hook(*args))]  # noqa: S308


def _address_confirmed(user: Any, email: str) -> None:
    for hook in hooks.get_hooks(ADDRESS_CONFIRMED_HOOK):
        hook(user, email)


def _blocked(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    context["blocked"] = throttle.BLOCKED_MESSAGE
    return render(request, template, context, status=429)


@never_cache
def sign_in(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    form = SignInForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "next": next_url}
    if request.method != "POST" or not form.is_valid():
        return render(request, "members/sign_in.html", context)
    email, password = form.cleaned_data["email"], form.cleaned_data["password"]
    if not password:
        return _send_link(request, email, next_url, "members/sign_in.html", context)
    attempt = throttle.PASSWORD.attempt(request, email)
    if not attempt.allowed:
        return _blocked(request, "members/sign_in.html", context)
    user = tokens.user_for_email(email)
    if user is None:
        # No account: hash the password anyway, as ModelBackend does for a missing
        # username, so a wrong password costs the same time either way. (Asking
        # the database for a made-up username instead once sent it a NUL byte,
        # which PostgreSQL refuses with a 500 that told which emails exist.)
        get_user_model()().set_password(password)
        authenticated = None
    else:
        authenticated = authenticate(request, username=user.get_username(), password=password)
    if authenticated is None:
        form.add_error(None, NO_MATCH_MESSAGE)
        return render(request, "members/sign_in.html", context)
    attempt.succeeded()
    login(request, authenticated)
    return redirect(_safe_next(request, next_url))


@never_cache
def sign_up(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    form = EmailForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "next": next_url, "extra_fields": _hook_html(SIGNUP_FIELDS_HOOK, request)}
    if request.method == "POST" and form.is_valid():
        response = _send_link(request, form.cleaned_data["email"], next_url, "members/sign_up.html", context)
        if response.status_code == 200:
            for hook in hooks.get_hooks(SIGN_UP_REQUESTED_HOOK):
                hook(request, form.cleaned_data["email"])
        return response
    return render(request, "members/sign_up.html", context)


def _send_link(request: HttpRequest, email: str, next_url: str, template: str, context: dict[str, Any]) -> HttpResponse:
    if not throttle.EMAILS.attempt(request, email).allowed:
        return _blocked(request, template, context)
    emails.send_sign_in_link(request, email, next_url=safe_next(request, next_url, ""))
    return render(request, "members/check_email.html", {"email": email})


@never_cache
def magic_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button; POST signs in. Mail scanners that follow links with GET do not spend the link."""
    try:
        payload = tokens.spend_sign_in_token(token) if request.method == "POST" else tokens.read_sign_in_token(token)
    except tokens.TokenError as error:
        return render(request, "members/link_invalid.html", {"error": str(error)}, status=400)
    if request.method != "POST":
        return render(request, "members/link_confirm.html", {"email": payload["e"]})
    user = tokens.user_for_email(payload["e"])
    if user is None:
        if get_user_model().objects.filter(email__iexact=payload["e"], is_active=False).exists():
            # A closed account is not silently replaced by a new one with the same address.
            return render(request, "members/link_invalid.html", {"error": ACCOUNT_CLOSED}, status=403)
        user = services.create_reader(email=payload["e"])
    login(request, user, backend=MODEL_BACKEND)
    _address_confirmed(user, payload["e"])
    messages.success(request, "You are signed in.")
    return redirect(_safe_next(request, payload.get("n")))


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset form, on the same per-address email budget as sign-in links.

    Without it, each POST sent one more email: to the account's owner, or (for an
    unknown address) a sign-in link that the sign-in form would have throttled.
    """

    def form_valid(self, form: Any) -> HttpResponse:
        if not throttle.EMAILS.attempt(self.request, form.cleaned_data["email"]).allowed:
            return _blocked(self.request, str(self.template_name), self.get_context_data(form=form))
        return super().form_valid(form)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("/")


@login_required
@never_cache
def account(request: HttpRequest) -> HttpResponse:
    user: Any = request.user  # login_required: a real account
    now = timezone.now()
    grants = list(Grant.objects.filter(user=user, revoked_at__isnull=True).exclude(ends_at__lte=now).order_by("starts_at"))
    panels = _hook_html("masthead_account_panels", request)
    context = {
        "grants": [(grant, grant.is_active(now)) for grant in grants],
        "is_subscriber": entitlements.is_subscriber(user),
        "panels": panels,
        "subscription_kind": GrantKind.SUBSCRIPTION,
    }
    return render(request, "members/account.html", context)


@login_required
@never_cache
def change_email(request: HttpRequest) -> HttpResponse:
    form = EmailChangeForm(request.POST or None, user=request.user)
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        new_email = form.cleaned_data["new_email"]
        if not throttle.EMAILS.attempt(request, new_email).allowed:
            return _blocked(request, "members/change_email.html", context)
        emails.send_email_change_link(request, request.user, new_email)
        return render(request, "members/check_email.html", {"email": new_email, "email_change": True})
    return render(request, "members/change_email.html", context)


@never_cache
def confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    try:
        spend_or_read = tokens.spend_email_change_token if request.method == "POST" else tokens.read_email_change_token
        user, new_email = spend_or_read(token)
    except tokens.TokenError as error:
        return render(request, "members/link_invalid.html", {"error": str(error)}, status=400)
    if request.method != "POST":
        return render(request, "members/email_confirm.html", {"new_email": new_email})
    with transaction.atomic():
        taken = tokens.user_for_email(new_email)
        if taken is not None and taken.pk != user.pk:
            return render(request, "members/link_invalid.html", {"error": EMAIL_TAKEN}, status=409)
        old_email = services.change_email(user=user, new_email=new_email)
    _address_confirmed(user, new_email)
    emails.send_email_changed_notice(old_email, new_email)
    messages.success(request, f"Your email address is now {new_email}.")
    return redirect("members:account")


@login_required
@never_cache
def password(request: HttpRequest) -> HttpResponse:
    """Set a password (accounts made by email link have none) or change it."""
    reader: Any = request.user  # login_required: a real account
    form_class = PasswordChangeForm if reader.has_usable_password() else SetPasswordForm
    form = form_class(reader, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        messages.success(request, "Your password is saved.")
        return redirect("members:account")
    return render(request, "members/password.html", {"form": form})


@login_required
@never_cache
def redeem_gift(request: HttpRequest) -> HttpResponse:
    form = GiftForm(request.POST or request.GET or None)
    if request.method == "POST" and form.is_valid():
        try:
            grant = services.redeem_gift(user=request.user, code=form.cleaned_data["code"])
        except AccessError as error:
            form.add_error("code", str(error))
        else:
            messages.success(request, f"Gift redeemed: you can read everything until {grant.ends_at:%B %-d, %Y}.")
            return HttpResponseRedirect(reverse("members:account"))
    return render(request, "members/gift.html", {"form": form})
