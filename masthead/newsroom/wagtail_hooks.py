"""newsroom's parts of the site frame: feed links, the section menu and footer links (core's base page slots)."""

from __future__ import annotations

from typing import Any

from wagtail import hooks

from masthead.core.templatetags.slots import render_in
from masthead.newsroom.navigation import footer_pages, nav_sections


@hooks.register("slot:head")
def feed_links(context: Any) -> str:
    return render_in(context, "newsroom/slots/head.html")


@hooks.register("slot:site-nav", order=10)
def section_menu(context: Any) -> str:
    return render_in(context, "newsroom/slots/site_nav.html", nav_sections=nav_sections())


@hooks.register("slot:footer-links", order=10)
def footer_links(context: Any) -> str:
    return render_in(context, "newsroom/slots/footer_links.html", info_pages=footer_pages())
