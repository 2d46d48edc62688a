"""The seed file becomes one clean article: byline → author + date, photo lines → captioned hero, advert gone."""

from __future__ import annotations

import re
from io import StringIO

from django.core.management import call_command

from masthead.newsroom.models import ArticlePage, AuthorPage
from masthead.newsroom.tests.conftest import SEED

ADVERT_PHRASES = ["60-Day money back", "Subscribe to the New American", "What's Included", "patriotic Americans", "Ad FREE"]


def _import(*args: str) -> str:
    out = StringIO()
    call_command("import_articles", str(SEED), *args, stdout=out)
    return out.getvalue()


def test_seed_article_page_shows_headline_author_date_and_photo(client, bare_site):
    _import("--section", "foreign-affairs")
    article = ArticlePage.objects.get()
    assert article.title == "Kremlin Unveils Conditions for Talks With U.S."
    assert article.get_parent().title == "Foreign Affairs"
    assert [a.title for a in article.authors] == ["Angeline Tan"]
    assert article.date.isoformat() == "2024-03-28"
    assert article.hero_image is not None and article.hero_caption == "Dmitry Peskov" and article.hero_credit == "AP Images"

    html = client.get(article.url).content.decode()
    assert '<h1 class="article__headline">Kremlin Unveils Conditions for Talks With U.S.</h1>' in html
    assert "March 28, 2024" in html
    assert "Dmitry Peskov" in html and "AP Images" in html
    assert ">Angeline Tan</a>" in html
    # The author page exists and lists the article.
    author = AuthorPage.objects.get(title="Angeline Tan")
    assert article.title in client.get(author.url).content.decode()


def test_advertisement_and_repeated_bylines_are_dropped(client, bare_site):
    report = _import()
    article = ArticlePage.objects.get()
    body_text = article.plain_text(article.full_blocks())
    html = client.get(article.url).content.decode()
    for phrase in ADVERT_PHRASES:
        assert phrase.lower() not in body_text.lower(), phrase
        assert phrase.lower() not in html.lower(), phrase
    assert "Written by" not in body_text and "Written by" not in html
    # The body keeps what came after each page break.
    assert body_text.startswith("Russia remains open to negotiations")
    assert "whether there is any sense in communication" in body_text
    assert "AP Images" not in body_text
    assert "dropped 1 repeated byline(s), 15 advert line(s)" in report


def test_reimport_updates_instead_of_duplicating(bare_site):
    _import("--section", "politics")
    first = ArticlePage.objects.get()
    first_image = first.hero_image_id
    first.body = "[]"
    first.save_revision().publish()

    _import("--access", "subscribers")
    assert ArticlePage.objects.count() == 1
    assert AuthorPage.objects.filter(title="Angeline Tan").count() == 1
    again = ArticlePage.objects.get()
    assert again.pk == first.pk and again.get_parent().title == "Politics"
    assert again.hero_image_id == first_image
    assert again.access == "subscribers"
    assert len(again.full_blocks()) > 20
    # A gated import gets a preview cut so the teaser is a few paragraphs, not nothing.
    assert [b.block_type for b in again.body].count("preview_ends") == 1
    assert len(again.preview_blocks()) == 3


def test_existing_author_is_reused(bare_site, magazine):
    _import("--section", "politics")
    assert AuthorPage.objects.filter(title="Angeline Tan").count() == 1
    article = ArticlePage.objects.get(slug="kremlin-unveils-conditions-for-talks-with-us")
    assert article.authors == [magazine.author]


def test_dry_run_writes_nothing(bare_site, tmp_path):
    # A directory stands for the articles in it.
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "kremlin.txt").write_text(SEED.read_text())
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4 not an article")
    out = StringIO()
    call_command("import_articles", str(folder), "--dry-run", stdout=out)
    report = out.getvalue()
    assert "kremlin.txt: would create 'Kremlin Unveils" in report
    assert "notes.pdf" not in report and report.count("would create") == 1
    assert "would create" in report and "nothing was written" in report
    assert not ArticlePage.objects.exists()
    assert not AuthorPage.objects.exists()


def test_parsed_paragraphs_keep_their_text(bare_site):
    _import()
    article = ArticlePage.objects.get()
    paragraphs = [b for b in article.body if b.block_type == "paragraph"]
    seed_paragraphs = [p for p in re.split(r"\n\s*\n", SEED.read_text()) if len(p) > 200]
    assert len(paragraphs) >= len(seed_paragraphs) - 3
    assert "New START" in article.plain_text(paragraphs)


def test_imported_article_opens_in_the_editor(client, bare_site, django_user_model):
    _import("--section", "politics")
    article = ArticlePage.objects.get()
    editor = django_user_model.objects.create_superuser("ed", "ed@example.com", "a-long-password-1")
    client.force_login(editor)
    response = client.get(f"/admin/pages/{article.pk}/edit/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Kremlin Unveils Conditions for Talks With U.S." in html
    assert "Dmitry Peskov" in html
