"""A paragraph's links to other pages become their URLs on the page; a paragraph without links is shown as written."""

from __future__ import annotations

from masthead.testing import builders


def test_a_link_to_another_article_shows_its_url_and_plain_paragraphs_are_unchanged(client, magazine):
    target = magazine.public_article
    article = builders.make_article(
        magazine.sections["Culture"],
        "Links Inside",
        authors=[magazine.author],
        paragraphs=[f'As <a linktype="page" id="{target.pk}">we reported</a>, talks began.', "A plain <b>bold</b> paragraph."],
    )
    html = client.get(article.url).content.decode()
    assert f'As <a href="{target.url}">we reported</a>, talks began.' in html
    assert "<p>A plain <b>bold</b> paragraph.</p>" in html
    assert "linktype" not in html
