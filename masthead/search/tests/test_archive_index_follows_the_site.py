"""The archive index follows what readers can find: unpublishing, moving, restricting, issue contents."""

from __future__ import annotations

import re
from datetime import date

from wagtail.models import PageViewRestriction

from masthead.search.models import ArchiveEntry


def _headlines(client, **params):
    response = client.get("/search/", params)
    assert response.status_code == 200
    return re.findall(r'class="search-result__headline"><a href="[^"]*">([^<]+)</a>', response.content.decode())


def test_an_unpublished_article_leaves_the_index(client, magazine):
    magazine.public_article.unpublish()
    assert _headlines(client, q="public paragraph") == []
    assert not ArchiveEntry.objects.filter(article_id=magazine.public_article.pk).exists()


def test_a_view_restricted_article_is_not_found_or_counted(client, magazine):
    PageViewRestriction.objects.create(page=magazine.public_article, restriction_type=PageViewRestriction.LOGIN)
    assert _headlines(client, q="public paragraph") == []
    assert not ArchiveEntry.objects.filter(article_id=magazine.public_article.pk).exists()
    PageViewRestriction.objects.filter(page=magazine.public_article).delete()
    assert _headlines(client, q="public paragraph") == ["A Public Report"]


def test_a_moved_article_is_filtered_by_its_new_section(client, magazine):
    magazine.public_article.move(magazine.sections["Culture"], pos="last-child")
    assert _headlines(client, q="public paragraph", section="culture") == ["A Public Report"]
    assert _headlines(client, q="public paragraph", section="politics") == []


def test_an_issue_republished_without_an_article_no_longer_lists_it(client, magazine):
    issue = magazine.issue
    assert sorted(_headlines(client, issue=issue.slug)) == ["A Public Report", "A Subscriber Investigation"]
    issue.issue_articles.filter(article=magazine.public_article).delete()
    issue.save_revision().publish()
    assert _headlines(client, issue=issue.slug) == ["A Subscriber Investigation"]


def test_a_renamed_author_is_found_by_the_new_name(client, magazine):
    author = magazine.author
    author.title = "Angeline Tanaka"
    author.save_revision().publish()
    assert "A Public Report" in _headlines(client, q="Tanaka")


def test_an_article_whose_date_changes_moves_in_newest_first(client, magazine):
    article = magazine.subscriber_article
    article.date = date(2024, 4, 1)
    article.save_revision().publish()
    assert _headlines(client, author="angeline-tan")[0] == "A Subscriber Investigation"
    assert ArchiveEntry.objects.filter(article_id=article.pk).count() == 1
