"""Emails the members app sends, through Django's mail framework."""

from __future__ import annotations

from typing import Any

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from masthead.core.models import MagazineSettings
from masthead.members import tokens


def _absolute(request: Any, path: str) -> str:
    if request is not None:
        return str(request.build_absolute_uri(path))
    from django.conf import settings

    return f"{settings.SITE_URL}{path}"


def _send(template: str, to: str, context: dict[str, Any]) -> None:
    context = {"magazine": MagazineSettings.current().name, **context}
    subject = render_to_string(f"members/email/{template}_subject.txt", context).strip()
    body = render_to_string(f"members/email/{template}.txt", context)
    send_mail(subject, body, None, [to])


def send_sign_in_link(request: Any, email: str, *, next_url: str = "", reason: str = "signin") -> None:
    """One email to `email` whatever the account state: a sign-in link, or a link that creates the account."""
    user = tokens.user_for_email(email)
    token = tokens.make_sign_in_token(email, next_url=next_url)
    link = _absolute(request, reverse("members:link", args=[token]))
    _send("sign_in", email, {"link": link, "has_account": user is not None, "reason": reason, "minutes": 15})


def send_email_change_link(request: Any, user: Any, new_email: str) -> None:
    taken = tokens.user_for_email(new_email)
    if taken is not None and taken.pk != user.pk:
        # Same email count and timing as a free address; the message tells the owner, not the requester.
        _send("email_taken", new_email, {"sign_in": _absolute(request, reverse("members:signin"))})
        return
    token = tokens.make_email_change_token(user, new_email)
    link = _absolute(request, reverse("members:email-confirm", args=[token]))
    _send("email_change", new_email, {"link": link, "old_email": user.email})


def send_email_changed_notice(old_email: str, new_email: str) -> None:
    if old_email:
        _send("email_changed", old_email, {"new_email": new_email})
