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
