"""RSS and Atom feeds of the newest articles.

Feed readers are anonymous, so every item's text comes from the gate's
anonymous reading: full text for public articles, the preview (or the
standfirst) and a link for everything else.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from masthead.access.gate import anonymous_reading
from masthead.core.models import MagazineSettings
from masthead.newsroom.models import ArticlePage, SectionPage, with_sections

FEED_SIZE = 30

_URL_ATTR = re.compile(r'\b(src|href|poster)="(/[^/"][^"]*|/)"')
_SRCSET = re.compile(r'\bsrcset="([^"]*)"')


def absolute_urls(html: str, base: str) -> str:
    """Site-relative src, href and srcset made absolute: a feed is read on another site, where "/media/…" means nothing."""
    base = base.rstrip("/")
    html = _URL_ATTR.sub(lambda m: f'{m.group(1)}="{base}{m.group(2)}"', html)

    def srcset(match: re.Match[str]) -> str:
        entries = []
        for entry in match.group(1).split(","):
            url, _, size = entry.strip().partition(" ")
            if url.startswith("/") and not url.startswith("//"):
                url = base + url
            entries.append(f"{url} {size}".strip())
        return 'srcset="' + ", ".join(entries) + '"'

    return _SRCSET.sub(srcset, html)


class LatestArticlesFeed(Feed):
    description_template = None

    def get_object(self, request: HttpRequest, section_slug: str | None = None) -> SectionPage | None:
        self.magazine_name = MagazineSettings.current(request).name
        if section_slug is None:
            return None
        return get_object_or_404(SectionPage.objects.live(), slug=section_slug)

    def title(self, obj: SectionPage | None) -> str:
        return f"{self.magazine_name} — {obj.title}" if obj else self.magazine_name

    def link(self, obj: SectionPage | None) -> str:
        return obj.url if obj else "/"

    def description(self, obj: SectionPage | None) -> str:
        return f"The latest articles from {self.title(obj)}"

    def items(self, obj: SectionPage | None) -> Any:
        articles = (
            ArticlePage.objects.live()
            .newest_first()
            .select_related("hero_image")
            .prefetch_related("article_authors__author", "hero_image__renditions")
        )
        if obj is not None:
            articles = articles.child_of(obj)
        return with_sections(articles[:FEED_SIZE])

    def item_title(self, item: ArticlePage) -> str:
        return item.title

    def item_link(self, item: ArticlePage) -> str:
        return item.get_full_url() or item.url

    def item_guid(self, item: ArticlePage) -> str:
        return f"{settings.SITE_URL}/?p={item.pk}"

    item_guid_is_permalink = False

    def item_description(self, item: ArticlePage) -> str:
        reading = anonymous_reading(item)
        html = render_to_string("newsroom/feed_item.html", {"page": item, "reading": reading})
        return absolute_urls(html, settings.SITE_URL)

    def item_author_name(self, item: ArticlePage) -> str:
        return ", ".join(author.title for author in item.authors)

    def item_pubdate(self, item: ArticlePage) -> datetime:
        # The byline date is what the editor set; first_published_at gives the time of day.
        if item.first_published_at and item.first_published_at.date() == item.date:
            return item.first_published_at
        return timezone.make_aware(datetime.combine(item.date, time(6, 0)), timezone.get_default_timezone())

    def item_categories(self, item: ArticlePage) -> list[str]:
        section = item.section
        return [section.title] if section else []


class LatestArticlesAtomFeed(LatestArticlesFeed):
    feed_type = Atom1Feed
    subtitle = LatestArticlesFeed.description
