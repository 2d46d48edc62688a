"""The menu, the footer links and the feed links are rendered once per process and site
(masthead/newsroom/wagtail_hooks.py), yet every page's menu marks its own section, and
a renamed magazine or section shows on the next page."""

from __future__ import annotations

import re

from masthead.core.models import MagazineSettings


def _current(html: str) -> list[str]:
    menu = html.split('<nav class="site-nav"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'<a href="([^"]+)" aria-current="page">', menu)


def test_each_page_marks_the_section_it_is_in(client, magazine):
    politics, finance = magazine.sections["Politics"], magazine.sections["Finance"]
    assert _current(client.get(magazine.public_article.url).content.decode()) == [politics.url]
    assert _current(client.get(magazine.subscriber_article.url).content.decode()) == [finance.url]
    assert _current(client.get(finance.url).content.decode()) == [finance.url]
    assert _current(client.get(magazine.home.url).content.decode()) == []


def test_a_renamed_magazine_shows_in_the_feed_links_of_the_next_page(client, magazine):
    client.get(magazine.public_article.url)
    settings = MagazineSettings.for_site(magazine.home.get_site())
    settings.name = "The Renamed Review"
    settings.save()
    html = client.get(magazine.sections["Culture"].url).content.decode()
    assert '<link rel="alternate" type="application/rss+xml" title="The Renamed Review"' in html


def test_a_renamed_section_shows_in_every_menu(client, magazine):
    client.get(magazine.public_article.url)
    culture = magazine.sections["Culture"]
    draft = culture.get_latest_revision_as_object()
    draft.title = "Arts and Culture"
    draft.save_revision().publish()
    menu = client.get(magazine.subscriber_article.url).content.decode().split('<nav class="site-nav"', 1)[1]
    assert ">Arts and Culture</a>" in menu.split("</nav>", 1)[0]
