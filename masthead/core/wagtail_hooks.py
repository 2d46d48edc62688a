"""Core's per-reader parts (masthead/core/shells.py): a template rendered for each request, and the account links."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.functional import SimpleLazyObject
from wagtail import hooks

from masthead.core import shells


def render_for_reader(request: HttpRequest, *, template: str) -> str:
    context: dict[str, Any] = {
        "request": request,
        "user": request.user,
        # Only a template that shows {% csrf_token %} asks for it (and so sets the cookie).
        "csrf_token": SimpleLazyObject(lambda: get_token(request)),
        **shells.reader_context(request),
    }
    return render_to_string(template, context)


# (signed in, staff) -> the links; URLs do not change while a process runs.
_account_links: dict[tuple[bool, bool], str] = {}


def account_links(request: HttpRequest) -> str:
    """The header's sign-in or account links: one of three snippets, rendered once per process."""
    user = request.user
    key = (bool(user.is_authenticated), bool(user.is_authenticated and user.is_staff))
    if key not in _account_links:
        _account_links[key] = render_to_string("includes/account_links.html", {"signed_in": key[0], "staff": key[1]})
    return _account_links[key]


hooks.register("reader_part:template", render_for_reader)
hooks.register("reader_part:account_links", account_links)
