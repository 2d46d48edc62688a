"""`{% slot "name" key=value %}`: a place in a template that other apps fill.

A template of a lower app (core's base page, newsroom's article) must not load
the tags of, or reverse the URLs of, an app that depends on it: that would
point the dependency graph upwards. Instead it names a slot, and each app that
has something to put there registers a Wagtail hook ``slot:<name>``:

    @hooks.register("slot:article-tools")
    def player(context: Context, **kwargs: Any) -> str: ...

Each hook returns HTML it has escaped (format_html or an autoescaping
template) or "" for nothing; the slot joins them in hook order.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template import Engine
from django.utils.safestring import SafeString, mark_safe
from wagtail import hooks

register = template.Library()


def fill(name: str, context: Any, **kwargs: Any) -> SafeString:
    parts = [str(html) for fn in hooks.get_hooks(f"slot:{name}") if (html := fn(context, **kwargs))]
    # Each part is escaped by the hook that made it (the contract above).
    return mark_safe("".join(parts))  # noqa: S308


@register.simple_tag(takes_context=True)
def slot(context: template.Context, name: str, **kwargs: Any) -> SafeString:
    return fill(name, context, **kwargs)


def render_in(context: Any, template_name: str, **extra: Any) -> str:
    """Render an app's template inside the page's own context (page, request, user, site settings)."""
    engine = context.template.engine if getattr(context, "template", None) is not None else Engine.get_default()
    with context.push(**extra):
        return str(engine.get_template(template_name).render(context))
