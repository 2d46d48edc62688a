"""Publishing a new article whose web address an abandoned autosaved draft holds: the editor is told on
the tab they are on (the headline), which page holds the address and what to do, not only on Promote."""

from __future__ import annotations

import re

import pytest
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from masthead.newsroom.models import ArticlePage


@pytest.fixture
def desk_editor(editor):
    """An editor who may publish. Wagtail's "Editors" group may add and change pages but not publish
    (only "Moderators" may): a publish POST from the bare editor persona quietly saves a draft instead."""
    from django.contrib.auth.models import Group

    editor.groups.add(Group.objects.get(name="Moderators"))
    return editor


def _publish_new(client, section, author, title):
    data = nested_form_data(
        {
            "title": title,
            "slug": "the-same-headline",
            "dek": "",
            "date": "2024-03-28",
            "access": "public",
            "hero_caption": "",
            "hero_credit": "",
            "tags": "",
            "body": streamfield([]),
            "article_authors": inline_formset([{"author": author.pk}]),
            "comments": inline_formset([]),
        }
    )
    data["action-publish"] = "action-publish"
    return client.post(f"/admin/pages/add/newsroom/articlepage/{section.pk}/", data)


def test_an_abandoned_draft_holding_the_slug_is_named_on_the_headline(client, desk_editor, magazine):
    politics = magazine.sections["Politics"]
    # What autosave leaves behind when an editor closes the tab of a new article.
    abandoned = politics.add_child(instance=ArticlePage(title="The Same Headline", slug="the-same-headline", live=False))
    abandoned.save_revision()
    client.force_login(desk_editor)

    response = _publish_new(client, politics, magazine.author, "The Same Headline")
    assert response.status_code == 200
    form = response.context["form"]
    assert "slug" in form.errors
    (message,) = form.errors["title"]
    assert "“the-same-headline”" in message and "“The Same Headline”" in message and "never published" in message
    assert re.search(r"delete it|Promote tab", message)
    assert not ArticlePage.objects.filter(slug="the-same-headline", live=True).exists()


def test_a_free_slug_publishes_without_a_word(client, desk_editor, magazine):
    client.force_login(desk_editor)
    response = _publish_new(client, magazine.sections["Politics"], magazine.author, "A Headline Nobody Used")
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    published = ArticlePage.objects.get(slug="the-same-headline")
    assert published.live and published.first_published_at is not None and not published.has_unpublished_changes
