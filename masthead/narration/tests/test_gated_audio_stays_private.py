"""Gated audio lives in private storage: no public URL maps to it, only the gate serves it."""

from __future__ import annotations

from django.conf import settings

from masthead.narration.tests.listening_helpers import make_narration
from masthead.narration.transcripts import audio_path


def test_the_full_mp3_of_a_subscriber_article_is_not_reachable_under_media_url(client, magazine, subscriber):
    full = make_narration(magazine.subscriber_article, variant="full")
    public_url = settings.MEDIA_URL + full.audio.name
    # The file name is printed in the player and the private feed, so anyone may try it.
    assert client.get(public_url).status_code == 404
    # The gated route still serves the same file to an entitled reader.
    client.force_login(subscriber)
    assert client.get(audio_path(full)).status_code == 200


def test_a_teaser_from_before_the_cut_moved_is_heard_only_by_readers_of_the_whole(client, magazine, subscriber):
    article = magazine.subscriber_article
    old_teaser = make_narration(article, variant="teaser")
    # The editor republishes (e.g. moving the preview cut earlier): the old teaser
    # may hold paragraphs the new preview no longer shows.
    article.save_revision().publish()
    article.refresh_from_db()
    assert old_teaser.revision_id != article.live_revision_id

    assert client.get(audio_path(old_teaser)).status_code == 403
    page = client.get(article.url).content.decode()
    assert audio_path(old_teaser) not in page, "the player offered the old teaser"

    client.force_login(subscriber)
    assert client.get(audio_path(old_teaser)).status_code == 200


def test_the_live_revisions_teaser_is_anyones(client, magazine):
    teaser = make_narration(magazine.subscriber_article, variant="teaser")
    response = client.get(audio_path(teaser))
    assert response.status_code == 200
    assert "public" in response["Cache-Control"]
