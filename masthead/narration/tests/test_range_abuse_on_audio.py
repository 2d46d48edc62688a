"""Whatever Range header arrives on /audio/… or the private feed's audio: 200, 206 or 416 — never a 500."""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from masthead.narration.feed_tokens import active_token
from masthead.narration.tests.listening_helpers import make_narration, tone_mp3
from masthead.narration.transcripts import audio_filename, audio_path

HUGE = "9" * 4301


@pytest.fixture
def audio_urls(magazine, subscriber):
    full = make_narration(magazine.subscriber_article, variant="full")
    token = active_token(user=subscriber).token
    feed_audio = f"/feeds/private/{token}/audio/{full.pk}/{audio_filename(full)}"
    player = Client()
    player.force_login(subscriber)
    return [(player, audio_path(full)), (Client(), feed_audio)]


def test_a_4301_digit_range_is_416_or_the_rest_of_the_file_on_both_audio_routes(audio_urls):
    size = len(tone_mp3())
    for client, url in audio_urls:
        past_the_end = client.get(url, HTTP_RANGE=f"bytes={HUGE}-")
        assert past_the_end.status_code == 416, url
        assert past_the_end["Content-Range"] == f"bytes */{size}"
        rest = client.get(url, HTTP_RANGE=f"bytes=10-{HUGE}")
        assert rest.status_code == 206, url
        assert rest["Content-Range"] == f"bytes 10-{size - 1}/{size}"
        assert client.get(url, HTTP_RANGE=f"bytes=-{HUGE}").status_code == 206


headers = st.one_of(
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=80),
    st.builds(
        lambda a, b: f"bytes={a}-{b}",
        st.one_of(st.just(""), st.integers(min_value=0, max_value=10**30).map(str), st.just(HUGE)),
        st.one_of(st.just(""), st.integers(min_value=0, max_value=10**30).map(str), st.just(HUGE)),
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=headers, if_range=st.one_of(st.none(), st.text(max_size=20)), method=st.sampled_from(["get", "head"]))
def test_random_range_headers_never_give_a_server_error(audio_urls, header, if_range, method):
    extra = {"HTTP_RANGE": header}
    if if_range is not None:
        extra["HTTP_IF_RANGE"] = if_range.encode("utf-8", "replace").decode("latin-1")
    for client, url in audio_urls:
        response = getattr(client, method)(url, **extra)
        assert response.status_code in (200, 206, 416), (url, header, response.status_code)
        if response.status_code == 206:
            first, last = (int(n) for n in response["Content-Range"].split()[1].split("/")[0].split("-"))
            assert int(response["Content-Length"]) == last - first + 1
