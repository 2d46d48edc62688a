"""Core's per-reader part (masthead/core/shells.py): a template rendered for each request."""

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


hooks.register("reader_part:template", render_for_reader)
