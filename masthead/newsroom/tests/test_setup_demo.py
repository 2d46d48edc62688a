"""`setup_demo` builds a whole magazine from nothing, and a second run changes nothing."""

from __future__ import annotations

import re
from io import StringIO

from django.contrib.auth import authenticate
from django.core.management import call_command
from django.utils import timezone

from masthead.newsroom.demo.build import volume_dates, warm_renditions
from masthead.newsroom.models import ArticlePage, AuthorPage, HomePage, IssuePage, SectionPage


def test_demo_builds_a_magazine_and_is_idempotent(db, settings, tmp_path, client):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.VAR_DIR = tmp_path / "var"
    out = StringIO()
    call_command("setup_demo", "--no-renditions", stdout=out)
    first = out.getvalue()

    assert [s.title for s in SectionPage.objects.live().order_by("path")] == [
        "Politics", "Finance", "Foreign Affairs", "Environment", "Culture", "Technology",
    ]  # fmt: skip
    articles = list(ArticlePage.objects.live().specific())
    assert len(articles) >= 31
    assert {a.access for a in articles} == {"public", "members", "subscribers"}
    for article in articles:
        assert article.authors and article.hero_image and article.hero_caption and article.hero_credit, article.title
        if article.access != "public":
            assert article.preview_blocks(), f"{article.title} is gated but has no preview"
            assert len(article.full_blocks()) > len(article.preview_blocks())
    body_text = " ".join(a.plain_text(a.full_blocks()) for a in articles).lower()
    assert "lorem" not in body_text and "ipsum" not in body_text

    authors = list(AuthorPage.objects.live())
    assert 4 <= len(authors) <= 6
    assert all(a.photo and a.bio and a.role for a in authors)

    issues = list(IssuePage.objects.live().order_by("cover_date"))
    # The two issues of March 2024 and a full current volume: every 1st and 15th of this year up to today.
    this_year = volume_dates(timezone.localdate())
    assert len(issues) == 2 + len(this_year)
    assert [(i.volume, i.number, i.cover_date) for i in issues[2:]] == this_year
    for issue in issues:
        assert issue.cover_image and 1 <= issue.number <= 24 and issue.cover_date.day in (1, 15)
        assert len(issue.contents()) >= (5 if issue.cover_date.year == 2024 else 3)
        assert issue.intro and issue.cover_line_list()
    assert IssuePage.objects.current().pk == issues[-1].pk
    seed = ArticlePage.objects.get(title="Kremlin Unveils Conditions for Talks With U.S.")
    assert issues[-1].contents()[0].pk == seed.pk
    home = HomePage.objects.get()
    assert home.lead_story_id == seed.pk

    html = client.get("/").content.decode()
    assert "Kremlin Unveils Conditions for Talks With U.S." in html
    assert all(title in html for title in ["Politics", "Technology", issues[-1].title])

    password = (tmp_path / "var" / "demo-admin.txt").read_text().strip()
    assert f"username: admin  password: {password}" in first
    assert authenticate(username="admin", password=password) is not None

    out = StringIO()
    call_command("setup_demo", stdout=out)
    assert "(0 new)" in out.getvalue() and f"password: {password}" in out.getvalue()
    # The second run drew the image sizes the pages use, so the next has nothing left to draw.
    assert re.search(r"drew \d{2,} image renditions", out.getvalue())
    assert warm_renditions() == 0
    assert ArticlePage.objects.count() == len(articles)
    assert IssuePage.objects.count() == 2 + len(this_year) and AuthorPage.objects.count() == len(authors)
