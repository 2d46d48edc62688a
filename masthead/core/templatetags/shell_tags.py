"""Per-reader parts of a page: `{% per_reader "template.html" %}` and `{% reader_part "name" ... %}`.

While a page shell is being rendered (masthead/core/shells.py) these leave a
hole that is filled for each request; otherwise they render in place, through
the same code, so a page looks the same whether or not it came from a shell.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from masthead.core import shells

register = template.Library()


@register.simple_tag(takes_context=True)
def reader_part(context: template.Context, name: str, **params: Any) -> SafeString:
    recorder = shells.recording()
    if recorder is not None:
        return recorder.hole(name, **params)
    request = context.get("request")
    if request is None:
        raise template.TemplateSyntaxError("reader_part needs the request in the template context")
    return mark_safe(shells.fill_part(request, name, params))  # noqa: S308 (fillers return escaped HTML)


@register.simple_tag(takes_context=True)
def per_reader(context: template.Context, template_name: str) -> SafeString:
    """Render `template_name` for this reader with only request, user and the page's reader context."""
    return reader_part(context, "template", template=template_name)
