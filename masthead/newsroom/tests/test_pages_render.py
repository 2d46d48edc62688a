from __future__ import annotations

from masthead.testing.fixtures import SECRET_MARKER


def test_article_page_shows_headline_byline_date_and_captioned_photo(client, magazine):
    response = client.get(magazine.public_article.url)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<h1 class="article__headline">A Public Report</h1>' in html
    assert "Angeline Tan" in html
    assert "March 28, 2024" in html
    assert "Dmitry Peskov" in html and "AP Images" in html
    assert "The second public paragraph." in html


def test_home_section_issue_and_author_pages_render(client, magazine):
    for page in [magazine.home, magazine.sections["Politics"], magazine.issue, magazine.author]:
        response = client.get(page.url)
        assert response.status_code == 200, page.url
    issue_html = client.get(magazine.issue.url).content.decode()
    assert issue_html.index("A Public Report") < issue_html.index("A Subscriber Investigation")
    author_html = client.get(magazine.author.url).content.decode()
    assert "A Public Report" in author_html


def test_anonymous_reader_gets_only_the_preview_of_a_subscriber_article(client, magazine):
    html = client.get(magazine.subscriber_article.url).content.decode()
    assert "Preview paragraph anyone may read." in html
    assert SECRET_MARKER not in html
    assert "Subscribe to keep reading" in html
