"""`setup_site` turns an empty database into a magazine with nothing in it yet but its frame and first admin."""

from __future__ import annotations

import re
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from wagtail.models import Site

from masthead.core.models import MagazineSettings
from masthead.newsroom.models import ArticlePage, HomePage, IssueIndexPage, SectionPage


def run(*args: str) -> str:
    out = StringIO()
    call_command("setup_site", *args, stdout=out)
    return out.getvalue()


def test_an_empty_magazine_with_its_sections_and_first_admin(db: Any, settings: Any, client: Any) -> None:
    settings.SITE_URL = "https://northern.example"
    settings.ALLOWED_HOSTS = ["northern.example", "testserver"]
    printed = run("--name", "The Northern Review", "--admin-email", "ed@northern.example", "--section", "Politics",
                  "--section", "Culture")  # fmt: skip

    home = HomePage.objects.get()
    site = Site.objects.get(is_default_site=True)
    assert site.root_page_id == home.pk
    assert (site.hostname, site.port) == ("northern.example", 443)
    assert MagazineSettings.for_site(site).name == "The Northern Review"
    assert [s.title for s in SectionPage.objects.live().order_by("path")] == ["Politics", "Culture"]
    assert IssueIndexPage.objects.live().count() == 1
    assert not ArticlePage.objects.exists()

    password = re.search(r"password: (\S+)", printed).group(1)
    admin = authenticate(username="admin", password=password)
    assert admin is not None and admin.is_superuser and admin.email == "ed@northern.example"

    page = client.get("/", HTTP_HOST="northern.example", secure=True)
    assert page.status_code == 200
    assert "The Northern Review" in page.content.decode()
    assert "Culture" in page.content.decode()


def test_a_second_run_changes_nothing_and_keeps_the_admins_password(db: Any) -> None:
    first = run("--name", "The Review", "--admin-email", "ed@example.com", "--section", "Politics")
    password = re.search(r"password: (\S+)", first).group(1)
    again = run("--name", "The Review", "--admin-email", "ed@example.com", "--section", "Politics", "--section", "Finance")

    assert "password:" not in again and "left unchanged" in again
    assert authenticate(username="admin", password=password) is not None
    assert HomePage.objects.count() == 1
    assert [s.title for s in SectionPage.objects.order_by("path")] == ["Politics", "Finance"]
    assert get_user_model().objects.count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", " ", "--admin-email", "ed@example.com"], "--name must not be empty"),
        (["--name", "The Review", "--admin-email", "not-an-address"], "--admin-email is not an email address"),
        (["--name", "The Review", "--admin-email", "ed@example.com", "--section", "Politics", "--section", "politics"],
         "--section names a section twice"),
        (["--name", "x" * 121, "--admin-email", "ed@example.com"], "at most 120 characters"),
    ],
)  # fmt: skip
def test_bad_input_is_named_and_nothing_is_written(db: Any, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not HomePage.objects.exists()
    assert not get_user_model().objects.exists()
