"""Editors hear a pronunciation in the admin before they save it."""

from __future__ import annotations

import io
import wave

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.urls import reverse

from masthead.narration import lexicon_admin
from masthead.narration.models import LexiconEntry

pytestmark = pytest.mark.django_db
URL = "narration_admin_lexicon_listen"


@pytest.fixture
def lexicon_editor(editor, settings):
    settings.NARRATION_ENGINE = "espeak"
    editor.user_permissions.add(
        Permission.objects.get(codename="add_lexiconentry"), Permission.objects.get(codename="access_admin")
    )
    return editor


def test_listen_speaks_the_unsaved_entry(client, lexicon_editor):
    client.force_login(lexicon_editor)
    before = LexiconEntry.objects.count()
    response = client.post(
        reverse(URL), {"term": "Tallinn", "kind": "respell", "replacement": "Tah-lin", "sample": "Talks in Tallinn resumed."}
    )
    assert response.status_code == 200 and response["Content-Type"] == "audio/wav"
    with wave.open(io.BytesIO(response.content)) as wav:
        assert wav.getnframes() / wav.getframerate() > 0.5
    assert response["X-Spoken-Text"] == '"Talks in Tah-lin resumed."'
    assert LexiconEntry.objects.count() == before  # nothing saved


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"term": "Kyiv", "kind": "phonemes", "replacement": "[[kiv]]"}, "replacement"),
        ({"term": "", "kind": "word"}, "term"),
        ({"term": "Kyiv", "kind": "nonsense"}, "kind"),
        ({"term": "Kyiv", "kind": "word", "sample": "No mention here."}, "sample"),
        ({"term": "Kyiv", "kind": "word", "sample": "Kyiv " * 100}, "sample"),
    ],
)
def test_bad_input_names_the_field(client, lexicon_editor, fields, field):
    client.force_login(lexicon_editor)
    response = client.post(reverse(URL), fields)
    assert response.status_code == 400 and field in response.json()["errors"]


def test_one_preview_at_a_time(client, lexicon_editor):
    client.force_login(lexicon_editor)
    cache.add(lexicon_admin.LOCK_KEY, 1, 30)
    try:
        assert client.post(reverse(URL), {"term": "Kyiv", "kind": "word"}).status_code == 429
    finally:
        cache.delete(lexicon_admin.LOCK_KEY)


def test_only_lexicon_editors_may_listen(client, staff, lexicon_editor):
    client.force_login(staff)
    assert client.post(reverse(URL), {"term": "Kyiv", "kind": "word"}).status_code in (302, 403)
    client.force_login(lexicon_editor)
    assert client.get(reverse(URL)).status_code == 405


def test_the_entry_form_has_a_listen_button(client, admin_user):
    client.force_login(admin_user)
    html = client.get(reverse("wagtailsnippets_narration_lexiconentry:add")).content.decode()
    assert "data-lexicon-listen-button" in html and reverse(URL) in html
