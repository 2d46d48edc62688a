"""newsroom's parts of the site frame: feed links, the section menu and footer links (core's base page slots).

Each is the same for every page of a site but for the menu's current section, and changes
only with the site (sections, information pages and settings purge `site`): rendered once
per process per site (and current section), not on every page render.
"""

from __future__ import annotations

from typing import Any

from wagtail import hooks

from masthead.core import cachetags, routing
from masthead.core.templatetags.slots import render_in
from masthead.newsroom.navigation import footer_pages, nav_sections

# The menu marks the section a page is in (aria-current): sections sit at depth 3, path[:12].
SECTION_PATH_LENGTH = 12


def _once_per_site(context: Any, name: str, template_name: str, **extra: Any) -> str:
    request = context.get("request")
    site = routing.site_for(request) if request is not None else None
    if site is None:
        return render_in(context, template_name, **extra)
    # Nothing per reader in these templates (no user, no session, no CSRF): one copy serves every request.
    return cachetags.sitewide(f"frame:{name}:{site.pk}", lambda: render_in(context, template_name, **extra))


@hooks.register("slot:head")
def feed_links(context: Any) -> str:
    return _once_per_site(context, "head", "newsroom/slots/head.html")


@hooks.register("slot:site-nav", order=10)
def section_menu(context: Any) -> str:
    page = context.get("page")
    current = str(getattr(page, "path", "") or "")[:SECTION_PATH_LENGTH]
    return _once_per_site(context, f"site-nav:{current}", "newsroom/slots/site_nav.html", nav_sections=nav_sections())


@hooks.register("slot:footer-links", order=10)
def footer_links(context: Any) -> str:
    return _once_per_site(context, "footer-links", "newsroom/slots/footer_links.html", info_pages=footer_pages())
