"""The MP3 behind the player: Range requests, caching headers, and the gate."""

from __future__ import annotations

import pytest

from masthead.narration.tests.listening_helpers import make_narration, tone_mp3
from masthead.narration.transcripts import audio_path, transcript_path
from masthead.testing.fixtures import SECRET_MARKER


@pytest.fixture
def public_narration(magazine):
    return make_narration(magazine.public_article)


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_whole_file_with_accept_ranges_etag_and_long_public_cache(client, public_narration):
    data = tone_mp3()
    response = client.get(audio_path(public_narration))
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/mpeg"
    assert response["Accept-Ranges"] == "bytes"
    assert int(response["Content-Length"]) == len(data)
    assert response["ETag"].startswith('"') and response["ETag"].endswith('"')
    assert response["Cache-Control"].startswith("public, max-age=31536000")
    assert body(response) == data


def test_safari_probe_gets_206_with_two_bytes(client, public_narration):
    data = tone_mp3()
    response = client.get(audio_path(public_narration), HTTP_RANGE="bytes=0-1")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 0-1/{len(data)}"
    assert response["Content-Length"] == "2"
    assert body(response) == data[:2]


def test_open_ended_and_suffix_ranges_return_the_right_bytes(client, public_narration):
    data = tone_mp3()
    middle = client.get(audio_path(public_narration), HTTP_RANGE="bytes=1000-")
    assert middle.status_code == 206 and body(middle) == data[1000:]
    tail = client.get(audio_path(public_narration), HTTP_RANGE="bytes=-300")
    assert tail.status_code == 206 and body(tail) == data[-300:]
    assert tail["Content-Range"] == f"bytes {len(data) - 300}-{len(data) - 1}/{len(data)}"


def test_range_past_the_end_is_416_with_the_size(client, public_narration):
    size = len(tone_mp3())
    response = client.get(audio_path(public_narration), HTTP_RANGE=f"bytes={size}-")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{size}"


def test_stale_if_range_gets_the_whole_file_and_matching_etag_gets_304(client, public_narration):
    url = audio_path(public_narration)
    etag = client.get(url)["ETag"]
    stale = client.get(url, HTTP_RANGE="bytes=0-1", HTTP_IF_RANGE='"something-else"')
    assert stale.status_code == 200 and len(body(stale)) == len(tone_mp3())
    fresh = client.get(url, HTTP_RANGE="bytes=0-1", HTTP_IF_RANGE=etag)
    assert fresh.status_code == 206
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_head_answers_length_without_a_body(client, public_narration):
    response = client.head(audio_path(public_narration))
    assert response.status_code == 200
    assert int(response["Content-Length"]) == len(tone_mp3())
    assert body(response) == b""


def test_full_audio_of_a_subscriber_article_is_refused_to_anonymous_readers(client, magazine):
    full = make_narration(magazine.subscriber_article, variant="full")
    teaser = make_narration(magazine.subscriber_article, variant="teaser")
    refused = client.get(audio_path(full))
    assert refused.status_code == 403
    assert refused["Cache-Control"] == "private, no-store"
    assert SECRET_MARKER not in client.get(transcript_path(full)).content.decode()
    assert client.get(transcript_path(full)).status_code == 403
    # The teaser is what the preview shows: anyone may hear it, and caches may keep it.
    allowed = client.get(audio_path(teaser))
    assert allowed.status_code == 200
    assert allowed["Cache-Control"].startswith("public")


def test_staff_get_full_gated_audio_that_no_cache_may_keep(client, magazine, staff):
    full = make_narration(magazine.subscriber_article, variant="full")
    client.force_login(staff)
    response = client.get(audio_path(full), HTTP_RANGE="bytes=0-1")
    assert response.status_code == 206
    # Not even the reader's own browser: a refund must stop playback at the next request.
    assert response["Cache-Control"] == "private, no-store"
    vtt = client.get(transcript_path(full))
    assert vtt.status_code == 200 and vtt.content.decode().startswith("WEBVTT")
    assert SECRET_MARKER in vtt.content.decode()
    assert vtt["Cache-Control"] == "private, no-store"


def test_signed_in_member_hears_members_article_in_full(client, magazine, member):
    full = make_narration(magazine.members_article, variant="full")
    assert client.get(audio_path(full)).status_code == 403
    client.force_login(member)
    assert client.get(audio_path(full)).status_code == 200


def test_unknown_file_name_unpublished_page_and_unready_narrations_are_404(client, magazine, staff):
    ready = make_narration(magazine.public_article)
    assert client.get(f"/audio/{ready.pk}/other-name.mp3").status_code == 404
    queued = make_narration(magazine.public_article, status="queued", voice="another-voice")
    assert client.get(audio_path(queued)).status_code == 404
    magazine.public_article.unpublish()
    assert client.get(audio_path(ready)).status_code == 403
    client.force_login(staff)
    assert client.get(audio_path(ready)).status_code == 200
