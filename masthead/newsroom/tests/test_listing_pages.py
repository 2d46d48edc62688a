"""Author pages, section pagination, issue contents order and reading time, as readers see them."""

from __future__ import annotations

import re
from datetime import date

from masthead.newsroom.models import IssueArticle
from masthead.testing import builders


def _card_titles(html):
    return re.findall(r'class="card__headline"><a href="[^"]*">([^<]*)</a>', html)


def test_author_page_lists_only_their_articles(client, magazine):
    other = builders.ensure_author(magazine.home, "Someone Else")
    builders.make_article(magazine.sections["Culture"], "Not Hers", authors=[other], paragraphs=["Text."])
    html = client.get(magazine.author.url).content.decode()
    titles = _card_titles(html)
    assert set(titles) == {"A Public Report", "A Members Briefing", "A Subscriber Investigation"}
    assert titles == sorted(titles, key=["A Public Report", "A Members Briefing", "A Subscriber Investigation"].index)
    assert "Covers Russia." in html
    assert _card_titles(client.get(other.url).content.decode()) == ["Not Hers"]


def test_section_paginates_twelve_newest_first(client, magazine):
    culture = magazine.sections["Culture"]
    for n in range(13):
        builders.make_article(
            culture, f"Review {n:02d}", authors=[magazine.author], paragraphs=["Text."], on=date(2024, 1, 1 + n)
        )
    first = _card_titles(client.get(culture.url).content.decode())
    assert first == [f"Review {n:02d}" for n in range(12, 0, -1)]
    assert _card_titles(client.get(culture.url, {"page": 2}).content.decode()) == ["Review 00"]
    # Out-of-range and junk page numbers land on a real page instead of an error.
    assert _card_titles(client.get(culture.url, {"page": 99}).content.decode()) == ["Review 00"]
    assert _card_titles(client.get(culture.url, {"page": "x"}).content.decode()) == first


def test_issue_contents_follow_the_editors_order(client, magazine):
    issue = magazine.issue
    html = client.get(issue.url).content.decode()
    assert html.index("A Public Report") < html.index("A Subscriber Investigation")
    # The editor drags the investigation to the top.
    for row in IssueArticle.objects.filter(issue=issue):
        row.sort_order = 0 if row.article_id == magazine.subscriber_article.pk else 1
        row.save()
    issue.save_revision().publish()
    html = client.get(issue.url).content.decode()
    assert html.index("A Subscriber Investigation") < html.index("A Public Report")
    assert "Volume 40, No. 6" in html and "March 25, 2024" in html


def test_contents_saved_without_positions_keep_the_order_they_were_added(magazine):
    issue = magazine.issue
    rows = list(IssueArticle.objects.filter(issue=issue).order_by("pk"))
    IssueArticle.objects.filter(issue=issue).update(sort_order=None)  # e.g. written by an import, not the admin
    # Rewriting the first row moves it behind the others on disk in PostgreSQL, which then
    # returns it last unless the ordering breaks the tie; SQLite keeps rowid order either way.
    IssueArticle.objects.filter(pk=rows[0].pk).update(sort_order=None)
    assert [article.title for article in issue.contents()] == [row.article.title for row in rows]


def test_reading_time_counts_the_whole_article_at_230_words_a_minute(client, magazine):
    long_one = builders.make_article(
        magazine.sections["Culture"],
        "A Long Read",
        authors=[magazine.author],
        access="subscribers",
        preview_after=1,
        paragraphs=["word " * 100, "word " * 400],
    )
    assert long_one.word_count() == 500 and long_one.reading_minutes() == 3
    # Readers who see only the preview are told how long the whole piece is.
    assert "3 min read" in client.get(long_one.url).content.decode()
    assert "1 min read" in client.get(magazine.public_article.url).content.decode()


def test_home_page_leads_with_the_chosen_story_and_shows_the_current_issue(client, magazine):
    home = magazine.home
    home.lead_story = magazine.subscriber_article
    home.save_revision().publish()
    html = client.get("/").content.decode()
    lead = html.split('class="front__lead"')[1].split('class="front__side"')[0]
    assert "A Subscriber Investigation" in lead
    assert magazine.issue.title in html.split('class="current-issue"')[1]


def test_reading_time_counts_words_not_markup(magazine):
    # Links, line breaks and entities as rich text stores them; a stray "<" as an old import may have left it.
    article = builders.make_article(
        magazine.sections["Culture"],
        "Markup Is Not Words",
        authors=[magazine.author],
        paragraphs=[
            '<a href="/x/">one</a> <b>two</b><br/>three &amp; four',
            "five < six and seven > eight",
            "<!-- an editor's note --> nine",
        ],
    )
    assert article.word_count() == len(article.plain_text(article.full_blocks()).split()) == 12
