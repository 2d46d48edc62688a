"""The listen box on the article page: present only with ready audio, and only the audio the reader may hear."""

from __future__ import annotations

import json
import re

from masthead.narration.tests.listening_helpers import make_narration
from masthead.narration.transcripts import audio_path
from masthead.testing.fixtures import SECRET_MARKER


def segments_json(html: str) -> list[dict]:
    match = re.search(r'<script id="listen-segments-\d+" type="application/json">(.*?)</script>', html, re.S)
    assert match, "no segments data in the page"
    return json.loads(match.group(1))


def test_no_player_without_ready_audio(client, magazine):
    make_narration(magazine.public_article, status="running")
    html = client.get(magazine.public_article.url).content.decode()
    assert "data-listen" not in html


def test_player_plays_the_article_audio_with_paragraph_timings(client, magazine):
    narration = make_narration(magazine.public_article, seconds=4.0)
    html = client.get(magazine.public_article.url).content.decode()
    assert f'<audio class="listen__audio" controls preload="metadata" src="{audio_path(narration)}">' in html
    segments = segments_json(html)
    blocks = [b.id for b in magazine.public_article.full_blocks()]
    assert [s["block"] for s in segments] == blocks
    assert [s["start"] for s in segments] == [0, 2000]
    # Each timed block is on the page for the highlight to find.
    for block in blocks:
        assert f'data-block="{block}"' in html
    assert f'data-storage-key="masthead:listen:{magazine.public_article.pk}:full"' in html
    assert 'data-title="A Public Report"' in html and 'data-artist="Angeline Tan"' in html
    assert "/static/js/player.js" in html


def test_anonymous_reader_of_a_gated_article_gets_the_teaser_and_no_paid_text(client, magazine):
    full = make_narration(magazine.subscriber_article)
    teaser = make_narration(magazine.subscriber_article, variant="teaser")
    html = client.get(magazine.subscriber_article.url).content.decode()
    assert audio_path(teaser) in html
    assert audio_path(full) not in html
    assert "subscribe to hear it all" in html
    assert SECRET_MARKER not in html


def test_staff_get_the_full_narration(client, magazine, staff):
    full = make_narration(magazine.subscriber_article)
    make_narration(magazine.subscriber_article, variant="teaser")
    client.force_login(staff)
    html = client.get(magazine.subscriber_article.url).content.decode()
    assert audio_path(full) in html
    # Segment texts never go into the page, whoever reads it.
    assert all(set(s) == {"block", "start", "end"} for s in segments_json(html))


def test_a_cached_anonymous_page_shows_the_player_once_audio_is_ready(client, magazine):
    url = magazine.public_article.url
    assert "data-listen" not in client.get(url).content.decode()
    assert client.get(url)["X-Cache"] == "HIT"
    narration = make_narration(magazine.public_article)
    assert audio_path(narration) in client.get(url).content.decode()


def test_a_metered_read_shows_the_text_but_plays_the_teaser_it_may_fetch(client, magazine, set_meter):
    # The meter lets this anonymous reader read the article, but fetching audio
    # never spends meter reads, so the page must not offer audio the server refuses.
    set_meter(3)
    full = make_narration(magazine.subscriber_article)
    teaser = make_narration(magazine.subscriber_article, variant="teaser")
    html = client.get(magazine.subscriber_article.url).content.decode()
    assert SECRET_MARKER in html, "the meter should have granted this read"
    assert audio_path(teaser) in html and audio_path(full) not in html
    assert client.get(audio_path(teaser)).status_code == 200
