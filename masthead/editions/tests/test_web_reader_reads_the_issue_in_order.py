"""The web reader reads an issue front to back: the cover and its lines, the editor's letter, the contents under
their section headings in the editor's order, then each article with the previous and next one inside the issue
and how far through the issue the reader is. Only published articles of published issues; anything else is a 404."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.test import Client
from django.urls import reverse

from masthead.newsroom.models import IssueArticle, IssuePage
from masthead.testing import builders


def _issue(magazine: Any) -> tuple[IssuePage, list[Any]]:
    politics, culture = magazine.sections["Politics"], magazine.sections["Culture"]
    first = builders.make_article(
        culture, "An Opening Essay", authors=[magazine.author], paragraphs=["Essay."], on=date(2024, 3, 2)
    )
    second = builders.make_article(
        politics, "A Vote Counted", authors=[magazine.author], paragraphs=["Vote."], on=date(2024, 3, 3)
    )
    third = builders.make_article(
        politics, "A Second Vote", authors=[magazine.author], paragraphs=["Again."], on=date(2024, 3, 4)
    )
    draft = builders.make_article(politics, "Still A Draft", authors=[magazine.author], paragraphs=["No."], on=date(2024, 3, 5))
    issue = builders.make_issue(
        builders.ensure_issue_index(magazine.home),
        volume=40,
        number=9,
        cover_date=date(2024, 5, 1),
        articles=[first, second, draft, third],
    )
    IssueArticle.objects.filter(issue=issue, article=first).update(heading="The Essay")
    issue.intro = "Dear reader,\nthis is the letter."
    issue.cover_lines = "Votes, counted\nAn essay"
    issue.save_revision().publish()
    # Taken down after the issue went live (publishing the issue would have published its saved draft).
    draft.unpublish()
    return IssuePage.objects.get(pk=issue.pk), [first, second, third]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_front_has_the_cover_lines_the_letter_and_the_contents_in_order(magazine: Any, client: Client) -> None:
    issue, articles = _issue(magazine)
    html = client.get(reverse("editions:reader", args=[issue.slug])).content.decode()
    text = _text(html)
    assert "Votes, counted" in text and "An essay" in text
    assert "Dear reader," in text and "this is the letter." in text
    contents = _text(html[html.index('id="reader-contents-title"') :])
    order = [contents.index(s) for s in ["The Essay", "An Opening Essay", "Politics", "A Vote Counted", "A Second Vote"]]
    assert order == sorted(order)
    assert "Still A Draft" not in text and "3 articles" in text
    assert f'href="{reverse("editions:reader-article", args=[issue.slug, articles[0].slug])}"' in html


def test_each_article_links_to_the_previous_and_next_inside_the_issue(magazine: Any, client: Client) -> None:
    issue, (first, second, third) = _issue(magazine)

    def page(article: Any) -> str:
        return client.get(reverse("editions:reader-article", args=[issue.slug, article.slug])).content.decode()

    middle = page(second)
    assert "Article 2 of 3" in middle and 'value="2"' in middle
    assert f'rel="prev" href="/issues/{issue.slug}/read/{first.slug}/"' in middle
    assert f'rel="next" href="/issues/{issue.slug}/read/{third.slug}/"' in middle
    opening = page(first)
    assert 'rel="prev"' not in opening and "Cover and contents" in opening
    closing = page(third)
    assert 'rel="next"' not in closing and "End of the issue" in closing


def test_drafts_and_strangers_are_not_found(magazine: Any, client: Client) -> None:
    issue, _ = _issue(magazine)
    assert client.get(reverse("editions:reader-article", args=[issue.slug, "still-a-draft"])).status_code == 404
    # An article that exists but is in another issue.
    other = magazine.issue.contents()[0]
    assert client.get(reverse("editions:reader-article", args=[issue.slug, other.slug])).status_code == 404
    issue.unpublish()
    assert client.get(reverse("editions:reader", args=[issue.slug])).status_code == 404
    assert client.post(reverse("editions:reader", args=["40-6"])).status_code == 405
