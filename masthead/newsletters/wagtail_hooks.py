"""Wagtail registrations: newsletters and suppressions as snippets, the sends screens, the demo
mailbox, and the reader-side hooks members exposes (sign-up choices, address confirmed, account panel)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from masthead.newsletters import admin_views, mailbox_views, services
from masthead.newsletters.models import Audience, Newsletter, Subscriber, SubscriptionStatus, Suppression


class NewsletterViewSet(SnippetViewSet):
    model = Newsletter
    icon = "mail"
    menu_label = "Newsletters"
    list_display = ["name", "audience", "default_on_signup", "sends_new_issues", "active"]


class SuppressionViewSet(SnippetViewSet):
    model = Suppression
    icon = "warning"
    menu_label = "Suppressed addresses"
    list_display = ["email", "reason", "detail", "created"]
    search_fields = ["email"]


class NewsletterGroup(SnippetViewSetGroup):
    items = (NewsletterViewSet, SuppressionViewSet)
    menu_icon = "mail"
    menu_label = "Newsletters"
    menu_name = "newsletters"
    menu_order = 290


register_snippet(NewsletterGroup)


@hooks.register("register_admin_urls")
def newsletter_admin_urls() -> list[Any]:
    urls = [
        path("", admin_views.sends_list, name="sends"),
        path("new/", admin_views.send_form, name="new"),
        path("<int:pk>/", admin_views.send_detail, name="send"),
        path("<int:pk>/edit/", admin_views.send_form, name="edit"),
        path("<int:pk>/preview/", admin_views.send_preview, name="preview"),
        path("<int:pk>/<str:action>/", admin_views.send_action, name="action"),
        path("import/<int:pk>/", admin_views.import_subscribers, name="import"),
    ]
    mailbox = [
        path("", mailbox_views.inbox, name="inbox"),
        path("<str:key>/", mailbox_views.message, name="message"),
        path("<str:key>/html/", mailbox_views.message_html, name="message-html"),
    ]
    return [
        path("sends/", include((urls, "newsletters_admin"), namespace="newsletters_admin")),
        path("mailbox/", include((mailbox, "mailbox"), namespace="mailbox")),
    ]


class _PermittedMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(admin_views.VIEW_PERMISSION))


class _MailboxMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return bool(request.user.is_staff) and mailbox_views.enabled()


@hooks.register("register_admin_menu_item")
def sends_menu_item() -> MenuItem:
    return _PermittedMenuItem("Email sends", reverse("newsletters_admin:sends"), icon_name="mail", order=291)


@hooks.register("register_admin_menu_item")
def mailbox_menu_item() -> MenuItem:
    return _MailboxMenuItem("Mailbox (demo)", reverse("mailbox:inbox"), icon_name="mail", order=292)


# --- Reader side: members' plug-in points ------------------------------------------


@hooks.register("masthead_signup_fields")
def signup_fields(request: HttpRequest) -> str | None:
    offered = [n for n in services.offered_to(None) if n.audience == Audience.EVERYONE]
    if not offered:
        return None
    if request.method == "POST":
        chosen = {int(v) for v in request.POST.getlist("newsletters") if v.isdigit()}
    else:
        chosen = set(services.default_choices(offered))
    return render_to_string("newsletters/signup_fields.html", {"newsletters": [(n, n.pk in chosen) for n in offered]})


@hooks.register("masthead_sign_up_requested")
def sign_up_requested(request: HttpRequest, email: str) -> None:
    services.request_at_sign_up(email=email, newsletter_ids=[int(v) for v in request.POST.getlist("newsletters") if v.isdigit()])


@hooks.register("masthead_address_confirmed")
def address_confirmed(user: Any, email: str) -> None:
    # Only addresses with newsletter choices get a row; signing in alone subscribes nobody.
    if Subscriber.objects.filter(Q(user=user) | Q(email=services.normalise(email))).exists():
        services.confirm_address(user=user, email=email)


@hooks.register("masthead_account_panels")
def account_panel(request: HttpRequest) -> str | None:
    offered = services.offered_to(request.user)
    if not offered:
        return None
    current = services.choices_of(services.subscriber_for_user(request.user))
    active = (SubscriptionStatus.ACTIVE, SubscriptionStatus.PENDING)
    return render_to_string(
        "newsletters/account_panel.html",
        {
            "newsletters": [(n, current.get(n.pk) in active) for n in offered],
            "csrf_token": get_token(request),
            "next": request.path,
        },
    )
