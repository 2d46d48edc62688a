"""The demo's newsletters, idempotently: "The Issue" (each new issue) and "The Briefing" (editor-picked).

The demo's staff accounts are subscribed to both, so a test send or a newly
published issue shows up in the admin's Mailbox at once.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand

from masthead.core.models import MagazineSettings
from masthead.newsletters import services
from masthead.newsletters.models import Audience, Newsletter

DEMO = [
    {
        "slug": "the-issue",
        "name": "The Issue",
        "description": "Every new issue, the day it is published: the contents and the lead story.",
        "audience": Audience.EVERYONE,
        "default_on_signup": True,
        "sends_new_issues": True,
        "sort_order": 1,
    },
    {
        "slug": "the-briefing",
        "name": "The Briefing",
        "description": "The editors' pick of what to read this week.",
        "audience": Audience.EVERYONE,
        "default_on_signup": False,
        "sends_new_issues": False,
        "sort_order": 2,
    },
]


class Command(BaseCommand):
    help = __doc__.splitlines()[0] if __doc__ else ""

    def handle(self, *args: Any, **options: Any) -> None:
        host = urlsplit(settings.SITE_URL).hostname or "localhost"
        domain = host if "." in host and not host.replace(".", "").isdigit() else "example.com"
        made = []
        for spec in DEMO:
            newsletter, created = Newsletter.objects.get_or_create(
                slug=spec["slug"],
                defaults={**spec, "sender_name": MagazineSettings.current().name, "sender_email": f"newsletters@{domain}"},
            )
            if created:
                made.append(newsletter.name)
        for user in get_user_model().objects.filter(is_staff=True, is_active=True).exclude(email=""):
            subscriber = services.confirm_address(user=user, email=user.email)
            services.set_choices(
                subscriber=subscriber, newsletter_ids=Newsletter.objects.values_list("pk", flat=True), source="staff"
            )
        # Editors compose and send newsletters.
        editors = Group.objects.filter(name="Editors").first()
        if editors is not None:
            codenames = ["view_send", "add_send", "change_send", "add_newsletter", "change_newsletter", "view_newsletter"]
            editors.permissions.add(*Permission.objects.filter(content_type__app_label="newsletters", codename__in=codenames))
        self.stdout.write(f"newsletters: {', '.join(made) if made else 'already set up'}")
