"""Billing's emails to readers: receipts, cancellations, refunds. Plain text from templates/billing/email/."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

from masthead.core.models import MagazineSettings

log = logging.getLogger(__name__)


def send(user: Any, kind: str, **context: Any) -> None:
    if not getattr(user, "email", ""):
        return
    send_to(user.email, kind, user=user, **context)


def send_to(address: str, kind: str, **context: Any) -> None:
    magazine = MagazineSettings.current()
    # The terms come from the admin's Magazine settings, like every page's (one source).
    context.update(site_name=magazine.name, magazine=magazine, site_url=settings.SITE_URL)
    subject = render_to_string(f"billing/email/{kind}_subject.txt", context).strip()
    body = render_to_string(f"billing/email/{kind}.txt", context)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
    except OSError:
        # The money already moved; a mail outage must not undo it. Logged for staff.
        log.exception("could not send %s email (%s)", kind, getattr(context.get("user"), "pk", "no account"))


def send_on_commit(user: Any, kind: str, **context: Any) -> None:
    """Send once the surrounding transaction commits: a rolled-back write sends nothing."""
    transaction.on_commit(lambda: send(user, kind, **context))
