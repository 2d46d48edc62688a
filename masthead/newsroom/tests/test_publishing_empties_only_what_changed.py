"""Publishing one article empties that article and the pages that list it — not the whole site."""

from __future__ import annotations

from django.test import Client


def _warm(client, urls):
    for url in urls:
        client.get(url)
        assert client.get(url)["X-Cache"] == "HIT", url


def _publish_edit(page, **fields):
    draft = page.get_latest_revision_as_object()
    for name, value in fields.items():
        setattr(draft, name, value)
    draft.save_revision().publish()


def test_publishing_an_article_empties_it_and_its_listings_and_nothing_else(magazine):
    client = Client()
    edited = magazine.members_article  # Politics, by the magazine's author, in no issue
    emptied = {
        "the article": edited.url,
        "its section": magazine.sections["Politics"].url,
        "the home page": magazine.home.url,
        "its author": magazine.author.url,
        # Its "More from Politics" box lists the edited article.
        "an article beside it in its section": magazine.public_article.url,
    }
    kept = {
        "an article in another section": magazine.subscriber_article.url,
        "another section": magazine.sections["Finance"].url,
        "an issue it is not in": magazine.issue.url,
        "an empty section": magazine.sections["Culture"].url,
    }
    _warm(client, [*emptied.values(), *kept.values()])

    _publish_edit(edited, title="A Members Briefing, Revised", dek="A corrected standfirst.")

    for what, url in emptied.items():
        response = client.get(url)
        assert response["X-Cache"] == "MISS", what
        assert "A Members Briefing, Revised" in response.content.decode(), what
    for what, url in kept.items():
        assert client.get(url)["X-Cache"] == "HIT", what


def test_publishing_an_article_empties_the_issues_it_is_in(magazine):
    client = Client()
    _warm(client, [magazine.issue.url, magazine.sections["Culture"].url])
    _publish_edit(magazine.subscriber_article, title="A Subscriber Investigation, Updated")
    response = client.get(magazine.issue.url)
    assert response["X-Cache"] == "MISS"
    assert "A Subscriber Investigation, Updated" in response.content.decode()
    assert client.get(magazine.sections["Culture"].url)["X-Cache"] == "HIT"


def test_a_new_article_appears_in_its_listings_at_once(magazine):
    from masthead.testing import builders

    client = Client()
    listings = [magazine.sections["Politics"].url, magazine.home.url, magazine.author.url]
    _warm(client, [*listings, magazine.subscriber_article.url])
    builders.make_article(magazine.sections["Politics"], "Fresh Off The Press", authors=[magazine.author], paragraphs=["News."])
    for url in listings:
        assert "Fresh Off The Press" in client.get(url).content.decode(), url
    assert client.get(magazine.subscriber_article.url)["X-Cache"] == "HIT"


def test_unpublishing_an_article_removes_it_from_every_page_that_showed_it(magazine):
    client = Client()
    shown_on = [magazine.issue.url, magazine.sections["Finance"].url, magazine.home.url, magazine.author.url]
    _warm(client, [magazine.subscriber_article.url, *shown_on])
    magazine.subscriber_article.unpublish()
    assert client.get(magazine.subscriber_article.url).status_code == 404
    for url in shown_on:
        assert "A Subscriber Investigation" not in client.get(url).content.decode(), url


def test_renaming_an_author_updates_every_byline(magazine):
    client = Client()
    _warm(client, [magazine.public_article.url, magazine.subscriber_article.url, magazine.issue.url])
    _publish_edit(magazine.author, title="Angeline Tan-Morris")
    for url in (magazine.public_article.url, magazine.subscriber_article.url, magazine.issue.url):
        assert "Angeline Tan-Morris" in client.get(url).content.decode(), url


def test_publishing_a_section_empties_the_whole_site(magazine):
    # Sections are in every page's navigation.
    client = Client()
    _warm(client, [magazine.subscriber_article.url, magazine.issue.url])
    _publish_edit(magazine.sections["Culture"], title="Arts and Culture")
    for url in (magazine.subscriber_article.url, magazine.issue.url):
        response = client.get(url)
        assert response["X-Cache"] == "MISS" and "Arts and Culture" in response.content.decode()
