"""The magazine's name is set once, in the admin's Magazine settings, and every surface follows a rename."""

from __future__ import annotations

import json
import re

import feedparser

from masthead.core.models import MagazineSettings

NEW_NAME = "The Kremlin Watcher"


def _rename(magazine):
    settings_row = MagazineSettings.for_site(magazine.home.get_site())
    settings_row.name = NEW_NAME
    settings_row.save()


def test_pages_feeds_and_structured_data_follow_a_rename(client, magazine):
    _rename(magazine)
    html = client.get(magazine.public_article.url).content.decode()
    assert f"— {NEW_NAME}</title>" in html
    (ld,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert json.loads(ld)["publisher"]["name"] == NEW_NAME
    assert feedparser.parse(client.get("/feeds/rss/").content).feed.title == NEW_NAME


def test_emails_and_the_admin_follow_a_rename(client, magazine, member, mailoutbox, django_user_model):
    from masthead.billing import emails

    _rename(magazine)
    emails.send(member, "cancellation", subscription=None)
    assert mailoutbox[-1].subject.startswith(NEW_NAME)
    client.force_login(django_user_model.objects.create_superuser("chief", "chief@example.com", "a-long-password-1"))
    admin_home = client.get("/admin/").content.decode()
    assert f"- {NEW_NAME}</title>" in admin_home
    client.logout()
    assert f"Sign in to {NEW_NAME}" in client.get("/admin/login/").content.decode()
