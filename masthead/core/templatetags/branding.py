"""The brand in the site frame: `{% brand_links %}` (icons), `{% brand_style %}` (colours), `{% brand_logo %}`."""

from __future__ import annotations

from typing import Any

from django import template
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString

from masthead.core import branding

register = template.Library()


def _brand(context: Any) -> branding.Brand:
    return branding.brand(context.get("request"))


@register.simple_tag(takes_context=True)
def brand_links(context: Any) -> SafeString:
    """The favicon (drawn from the logo and the accent, or the stock one) and the home-screen icon."""
    found = _brand(context)
    if found.logo_url or found.custom_colours:
        icon = format_html('<link rel="icon" href="{}" type="image/png">', found.url("favicon.png"))
    else:
        icon = format_html('<link rel="icon" href="{}" type="image/svg+xml">', static("img/favicon.svg"))
    return format_html('{}\n<link rel="apple-touch-icon" href="{}">', icon, found.url("touch-icon.png"))


@register.simple_tag(takes_context=True)
def brand_style(context: Any) -> SafeString | str:
    """The accent colours as a stylesheet (the CSP allows no inline style); nothing while they are the defaults."""
    found = _brand(context)
    if not found.custom_colours:
        return ""
    return format_html('<link rel="stylesheet" href="{}">', found.url("colours.css"))


@register.simple_tag(takes_context=True)
def brand_logo(context: Any) -> SafeString:
    """The logo with the magazine's name as its text, or the name alone."""
    found = _brand(context)
    if not found.logo_url:
        return format_html("{}", found.name)
    size = format_html(' width="{}" height="{}"', found.logo_width, found.logo_height) if found.logo_width else ""
    return format_html('<img class="site-header__logo" src="{}"{} alt="{}">', found.logo_url, size, found.name)
