from __future__ import annotations

import json
from typing import Any

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from masthead.core.models import MagazineSettings
from masthead.newsroom.models import ArticlePage

register = template.Library()


@register.simple_tag(takes_context=True)
def article_jsonld(context: dict[str, Any], page: ArticlePage) -> SafeString:
    """schema.org NewsArticle. Never carries body text, so it cannot leak a paywalled article.

    Google's paywalled-content markup: isAccessibleForFree plus a hasPart that
    points at the gated element, so the teaser page is not taken for cloaking.
    """
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": page.title[:110],
        "description": page.dek,
        "datePublished": page.date.isoformat(),
        "dateModified": (page.last_published_at or page.latest_revision_created_at).isoformat()
        if (page.last_published_at or page.latest_revision_created_at)
        else page.date.isoformat(),
        "mainEntityOfPage": f"{settings.SITE_URL}{page.url}",
        "author": [{"@type": "Person", "name": a.title, "url": f"{settings.SITE_URL}{a.url}"} for a in page.authors],
        "publisher": {"@type": "Organization", "name": MagazineSettings.current(context.get("request")).name},
        "isAccessibleForFree": page.is_free,
    }
    section = page.section
    if section is not None:
        data["articleSection"] = section.title
    if page.hero_image:
        rendition = page.hero_image.get_rendition("fill-1200x675")
        data["image"] = [f"{settings.SITE_URL}{rendition.url}"]
    if not page.is_free:
        data["hasPart"] = {"@type": "WebPageElement", "isAccessibleForFree": False, "cssSelector": ".article-body--gated"}
    # json.dumps does not escape "</", which would end the script element early.
    payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))  # noqa: S308
