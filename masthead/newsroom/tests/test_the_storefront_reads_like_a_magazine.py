# ruff: noqa: E501 - the example paragraphs and expected HTML read better one per line
"""What a reader sees first (issue #12): a standfirst for every imported article, two dates that say
which is which, a section led by its newest story, an issue's contents under section headings with the
date once and subscriber-only pieces marked, feeds a feed reader can show pictures from, a paywall that
fades the text and keeps its two account links apart, and About/Contact/Privacy/Terms in the footer."""

from __future__ import annotations

import re
from pathlib import Path

import feedparser
import pytest
from django.core.cache import cache

from masthead.newsroom.feeds import absolute_urls
from masthead.newsroom.importer import derive_standfirst, parse_article
from masthead.newsroom.info_pages import PAGES, ensure_info_pages
from masthead.newsroom.services import import_articles

SEED = Path(__file__).resolve().parents[1] / "demo" / "articles" / "kremlin-talks.txt"


def test_an_import_without_a_standfirst_takes_its_first_paragraph_opening(magazine, client):
    import_articles(sources=[("kremlin.txt", SEED.read_text())], section_slug="politics")
    from masthead.newsroom.models import ArticlePage

    page = ArticlePage.objects.get(slug="kremlin-unveils-conditions-for-talks-with-us")
    assert page.dek.startswith("Russia remains open to negotiations with the United States")
    assert page.dek.endswith("maintained on March 26.")
    html = client.get(page.url).content.decode()
    for name in ('name="description"', 'property="og:description"', 'name="twitter:description"'):
        content = re.search(rf'<meta {name} content="([^"]*)"', html)
        assert content and content.group(1).startswith("Russia remains open"), name


def test_an_editors_standfirst_survives_a_reimport(magazine):
    from masthead.newsroom.models import ArticlePage

    import_articles(sources=[("kremlin.txt", SEED.read_text())], section_slug="politics")
    page = ArticlePage.objects.get(slug="kremlin-unveils-conditions-for-talks-with-us")
    page.dek = "The editor's own words."
    page.save_revision().publish()
    import_articles(sources=[("kremlin.txt", SEED.read_text())], section_slug="politics")
    page.refresh_from_db()
    assert page.dek == "The editor's own words."


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        # Abbreviations are not sentence ends; a short first sentence takes the next one along.
        (
            "U.S. officials met at 9 a.m. Eastern. Talks ended at noon. Nobody spoke.",
            "U.S. officials met at 9 a.m. Eastern. Talks ended at noon.",
        ),
        (
            "Mr. Peskov said the talks were over and that Moscow would not return to the table this year, whatever Washington offers, and that the matter was closed for good. Later he added more.",
            "Mr. Peskov said the talks were over and that Moscow would not return to the table this year, whatever Washington offers, and that the matter was closed for good.",
        ),
        # Too long for one sentence: cut at a word, with an ellipsis, never mid-word.
        ("word " * 100, ("word " * 55).strip() + "…"),
        # Links are kept as their words; the standfirst is plain text.
        ("[Plain](https://example.com) text & more.", "Plain text & more."),
    ],
)
def test_derived_standfirsts_are_whole_sentences_or_cut_at_a_word(paragraph, expected):
    text = f"Headline\n\n{paragraph}\n\nWritten by [A. Writer](#) on March 28, 2024\n"
    assert derive_standfirst(parse_article(text)) == expected


def test_the_article_says_which_date_is_which(client, magazine):
    html = client.get(magazine.public_article.url).content.decode()
    assert "In the <a" in html and "March 25, 2024 issue</a>" in html
    assert 'Published <time datetime="2024-03-28">March 28, 2024</time>' in html


def test_a_section_leads_with_its_newest_story_and_dates_every_card(client, magazine):
    html = client.get(magazine.sections["Politics"].url).content.decode()
    lead = html.split('class="section-lead"', 1)[1].split("</div>\n", 1)[0]
    assert "A Public Report" in lead and "card--lead" in lead
    assert '<time datetime="2024-03-28">March 28, 2024</time>' in html
    assert '<time datetime="2024-03-27">March 27, 2024</time>' in html
    # The lead is not repeated in the grid below it.
    assert html.count(">A Public Report</a>") == 1


def test_an_issue_prints_its_date_once_groups_by_section_and_marks_paid_pieces(client, magazine):
    html = client.get(magazine.issue.url).content.decode()
    main = html.split('<main id="main"', 1)[1]
    assert main.count("March 25, 2024") == 1
    # Grouped under editions' editable section headings (editions-product); each group is its own list.
    assert main.count('class="toc-group"') >= 1
    assert re.search(r'A Subscriber Investigation</a> <span class="badge">Subscribers</span>', main)
    assert not re.search(r'A Public Report</a> <span class="badge">', main)


def test_feeds_carry_absolute_image_and_link_urls(client, magazine, settings):
    settings.SITE_URL = "https://magazine.example"
    feed = feedparser.parse(client.get("/feeds/rss/").content)
    public = next(entry for entry in feed.entries if entry.title == "A Public Report")
    srcs = re.findall(r'src="([^"]+)"', public.description)
    assert srcs and all(src.startswith("https://magazine.example/media/") for src in srcs)
    assert not re.search(r'(?:src|href)="/', public.description)


def test_absolute_urls_leaves_other_sites_and_fragments_alone():
    html = '<a href="/politics/">p</a><a href="https://x.example/">x</a><a href="#top">t</a><img src="//cdn.example/a.png" srcset="/m/a.webp 480w, /m/b.webp 800w">'
    assert absolute_urls(html, "https://m.example/") == (
        '<a href="https://m.example/politics/">p</a><a href="https://x.example/">x</a><a href="#top">t</a>'
        '<img src="//cdn.example/a.png" srcset="https://m.example/m/a.webp 480w, https://m.example/m/b.webp 800w">'
    )


def test_the_paywall_fades_the_text_not_the_house_ad_and_keeps_its_links_apart(client, magazine):
    from masthead.ads.models import HouseAd, Slot

    HouseAd.objects.create(name="Inline", slot=Slot.ARTICLE_INLINE, text="Buy the print edition", link="/billing/", weight=1)
    cache.clear()
    html = client.get(magazine.members_article.url).content.decode()
    body = html.split('class="article-body article-body--gated"', 1)[1].split("</div>\n  <aside", 1)[0]
    assert "Buy the print edition" not in body
    box = html.split('class="subscribe-box"', 1)[1].split("</aside>", 1)[0]
    assert re.search(
        r'>Create a free account</a>\s*<span class="subscribe-box__signin">Already have an account\? <a [^>]*>Sign in</a>', box
    )


def test_about_contact_privacy_and_terms_are_pages_linked_from_the_footer(client, magazine):
    pages = ensure_info_pages(magazine.home)
    assert [page.url for page in pages] == ["/about/", "/contact/", "/privacy/", "/terms/"]
    # Made once: a second run leaves the editors' pages as they are.
    pages[3].title = "Terms of service"
    pages[3].save_revision().publish()
    ensure_info_pages(magazine.home)
    from masthead.core.models import InfoPage

    assert InfoPage.objects.count() == len(PAGES)
    html = client.get(magazine.public_article.url).content.decode()
    footer = html.split('<footer class="site-footer">', 1)[1]
    for title, url in [
        ("About us", "/about/"),
        ("Contact", "/contact/"),
        ("Privacy", "/privacy/"),
        ("Terms of service", "/terms/"),
    ]:
        assert f'<a href="{url}">{title}</a>' in footer
    terms = client.get("/terms/")
    assert terms.status_code == 200 and b"<h1>Terms of service</h1>" in terms.content
    assert b'<meta name="description" content="The terms of accounts and subscriptions.' in terms.content


def test_an_unpublished_info_page_leaves_the_footer(client, magazine):
    pages = ensure_info_pages(magazine.home)
    client.get("/")
    pages[1].unpublish()
    html = client.get("/").content.decode()
    assert '<a href="/contact/">' not in html and '<a href="/about/">' in html
    assert client.get("/contact/").status_code == 404


@pytest.mark.parametrize("path", ["/issues/", "/account/signin/", "/account/signup/", "/billing/"])
def test_every_public_page_has_a_meta_description(client, magazine, path):
    html = client.get(path).content.decode()
    content = re.search(r'<meta name="description" content="([^"]+)"', html)
    assert content and len(content.group(1)) > 30, path
