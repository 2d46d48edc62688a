"""Plug-in slots in templates: ``{% load slots %}{% slot "name" page=page %}``.

An app fills a slot by registering a Wagtail hook named ``slot:<name>`` that
returns HTML (or nothing); the slot renders every hook's answer in registration
order. Templates of an app lower in the dependency graph (newsroom) can then
show what a higher app (editions, narration, ads) adds without loading its tags.

Minimal version written by the editions branch; the access move's version
replaces it at merge. Hooks are called as ``fn(request, **kwargs)``.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from wagtail import hooks

register = template.Library()


@register.simple_tag(takes_context=True)
def slot(context: template.Context, name: str, **kwargs: Any) -> SafeString:
    request = context.get("request")
    parts = []
    for fn in hooks.get_hooks(f"slot:{name}"):
        html = fn(request, **kwargs)
        if html:
            parts.append(conditional_escape(html))
    return mark_safe("".join(parts))  # noqa: S308 — each part is escaped unless the hook marked it safe
