"""With private files on S3 (moto in server mode): the gate answers, S3 sends the bytes through a short-lived signed URL."""

from __future__ import annotations

import urllib.request
from urllib.parse import parse_qs, urlsplit

from django.conf import settings

from masthead.narration.feed_tokens import active_token
from masthead.narration.tests.listening_helpers import make_narration, tone_mp3
from masthead.narration.transcripts import audio_filename, audio_path


def test_entitled_readers_are_redirected_to_a_signed_url_others_get_nothing(private_files_on_s3, client, magazine, subscriber):
    full = make_narration(magazine.subscriber_article, variant="full")
    assert client.get(audio_path(full)).status_code == 403  # anonymous: no redirect, no URL

    token = active_token(user=subscriber).token
    client.force_login(subscriber)
    for url in (audio_path(full), f"/feeds/private/{token}/audio/{full.pk}/{audio_filename(full)}"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Cache-Control"] == "private, no-store"
        location = response["Location"]
        assert urlsplit(location).path == f"/{private_files_on_s3['bucket']}/private/{full.audio.name}"
        assert parse_qs(urlsplit(location).query)["X-Amz-Expires"] == [str(settings.PRIVATE_FILES_SIGNED_URL_SECONDS)]
        with urllib.request.urlopen(location, timeout=10) as s3:  # noqa: S310 - the loopback moto server
            assert s3.read() == tone_mp3()
            assert s3.headers["Cache-Control"] == "private, no-store"
            assert s3.headers["Content-Type"] == "audio/mpeg"
