"""Request helpers shared by every app's views: the one rule for each."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


class AuthenticatedHttpRequest(HttpRequest):
    """The request a @login_required view receives: ``request.user`` is a real User.

    Annotating such a view's request with this type tells mypy what the
    decorator guarantees, instead of narrowing ``User | AnonymousUser`` by hand.
    """

    user: User


def client_ip(request: HttpRequest) -> str:
    """The reader's address: behind a trusted proxy the one it appended to X-Forwarded-For."""
    if settings.SECURE_PROXY_SSL_HEADER:  # BEHIND_PROXY: the proxy appends the client address
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return str(forwarded.split(",")[-1].strip())
    return str(request.META.get("REMOTE_ADDR", ""))


def safe_next(request: HttpRequest, candidate: str | None, default: str = "/") -> str:
    """Where to send the reader after a form: `candidate` if it is a path on this site, else `default`.

    Only same-site relative paths pass ("/account/", not "//evil.example" or
    "https://evil.example"), so a crafted ?next= can never send a reader away.
    """
    if candidate and candidate.startswith("/") and not candidate.startswith("//") and "\\" not in candidate:
        if url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
            return candidate
    return default
