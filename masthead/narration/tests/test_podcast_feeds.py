"""Podcast feeds: what podcast apps see, who may see it, and when a private feed stops working."""

from __future__ import annotations

import io
from xml.etree import ElementTree

import feedparser
import podcastparser
import pytest
from django.utils import timezone

from masthead.access.models import Grant
from masthead.access.signals import access_ended
from masthead.narration.feed_tokens import active_token, rotate_token
from masthead.narration.podcast import podcast_guid
from masthead.narration.tests.listening_helpers import make_narration, tone_mp3
from masthead.testing.fixtures import SECRET_MARKER

NS = {"itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd", "podcast": "https://podcastindex.org/namespace/1.0"}


@pytest.fixture
def narrated(magazine):
    """Every fixture article narrated: full for all three, a teaser for the two gated ones."""
    return {
        "public": make_narration(magazine.public_article, seconds=2.0),
        "members_full": make_narration(magazine.members_article, seconds=1.0),
        "members_teaser": make_narration(magazine.members_article, variant="teaser", seconds=0.5),
        "subscriber_full": make_narration(magazine.subscriber_article, seconds=1.5),
        "subscriber_teaser": make_narration(magazine.subscriber_article, variant="teaser", seconds=0.5),
    }


def fetch(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response


def test_public_feed_has_apple_required_tags_and_parses(client, narrated):
    response = fetch(client, "/podcast/public.xml")
    assert response["Content-Type"].startswith("application/rss+xml")
    assert "noindex" in response["X-Robots-Tag"]
    xml = response.content

    feed = feedparser.parse(xml)
    assert not feed.bozo, feed.bozo_exception
    channel = feed.feed
    assert channel.language == "en"
    assert channel.image.href.endswith("podcast-cover.png")
    assert channel.author_detail.name and channel.publisher_detail.email
    assert any(tag.term == "News" for tag in channel.tags)
    assert channel.podcast_guid == podcast_guid("http://127.0.0.1:8000/podcast/public.xml")
    # feedparser does not report itunes:explicit "false" (Apple's current spelling); read the XML.
    root = ElementTree.fromstring(xml)  # noqa: S314 — our own output
    assert root.findtext("channel/itunes:explicit", namespaces=NS) == "false"
    assert root.find("channel/itunes:category", NS).get("text") == "News"
    assert root.findtext("channel/podcast:locked", namespaces=NS) == "no"

    parsed = podcastparser.parse("http://127.0.0.1:8000/podcast/public.xml", io.BytesIO(xml))
    assert parsed["cover_url"].endswith("podcast-cover.png")
    assert [e["title"] for e in parsed["episodes"]] == ["A Public Report"]
    (enclosure,) = parsed["episodes"][0]["enclosures"]
    assert enclosure["mime_type"] == "audio/mpeg"
    assert enclosure["file_size"] == len(tone_mp3(2.0)) == narrated["public"].audio.size
    assert parsed["episodes"][0]["total_time"] == 2


def test_public_feed_never_carries_gated_audio_or_text(client, narrated):
    xml = fetch(client, "/podcast/public.xml").content.decode()
    for key in ("members_full", "subscriber_full", "members_teaser", "subscriber_teaser"):
        assert f"/audio/{narrated[key].pk}/" not in xml
    assert SECRET_MARKER not in xml
    assert "A Subscriber Investigation" not in xml


def test_enclosure_and_transcript_urls_serve_what_the_feed_promises(client, narrated):
    parsed = podcastparser.parse("x", io.BytesIO(fetch(client, "/podcast/public.xml").content))
    episode = parsed["episodes"][0]
    audio = client.get(episode["enclosures"][0]["url"].removeprefix("http://127.0.0.1:8000"))
    assert audio.status_code == 200
    assert int(audio["Content-Length"]) == episode["enclosures"][0]["file_size"]
    feed = feedparser.parse(fetch(client, "/podcast/public.xml").content)
    transcript_url = feed.entries[0].podcast_transcript["url"]
    assert feed.entries[0].podcast_transcript["type"] == "text/vtt"
    vtt = client.get(transcript_url.removeprefix("http://127.0.0.1:8000")).content.decode()
    assert vtt.startswith("WEBVTT") and "The second public paragraph." in vtt


def test_private_feed_gives_a_subscriber_full_audio_of_every_article(client, narrated, subscriber):
    token = active_token(user=subscriber)
    url = f"/feeds/private/{token.token}/podcast.xml"
    response = fetch(client, url)
    assert response["Cache-Control"] == "private, no-store"
    parsed = podcastparser.parse("http://127.0.0.1:8000" + url, io.BytesIO(response.content))
    sizes = {e["title"]: e["enclosures"][0]["file_size"] for e in parsed["episodes"]}
    assert sizes == {
        "A Public Report": narrated["public"].audio.size,
        "A Members Briefing": narrated["members_full"].audio.size,
        "A Subscriber Investigation": narrated["subscriber_full"].audio.size,
    }
    feed = feedparser.parse(response.content)
    assert not feed.bozo
    root = ElementTree.fromstring(response.content)  # noqa: S314 — our own output
    assert root.findtext("channel/podcast:locked", namespaces=NS) == "yes"
    # Enclosures and transcripts work without a session: podcast apps have none.
    paid = next(e for e in feed.entries if e.title == "A Subscriber Investigation")
    audio = client.get(paid.enclosures[0].href.removeprefix("http://127.0.0.1:8000"), HTTP_RANGE="bytes=0-1")
    assert audio.status_code == 206
    assert audio["Cache-Control"].startswith("private")
    transcript = client.get(paid.podcast_transcript["url"].removeprefix("http://127.0.0.1:8000"))
    assert SECRET_MARKER in transcript.content.decode()


def test_lapsed_subscriber_feed_and_its_audio_are_gone(client, narrated, subscriber):
    token = active_token(user=subscriber).token
    feed = feedparser.parse(fetch(client, f"/feeds/private/{token}/podcast.xml").content)
    audio_path = feed.entries[0].enclosures[0].href.removeprefix("http://127.0.0.1:8000")
    # The subscription ran out (lapsed): no signal arrives, the grant's end simply passes.
    Grant.objects.filter(user=subscriber).update(ends_at=timezone.now())
    assert client.get(f"/feeds/private/{token}/podcast.xml").status_code == 410
    assert client.get(audio_path).status_code == 410


def test_refund_signal_revokes_the_feed(client, narrated, subscriber):
    token = active_token(user=subscriber).token
    access_ended.send(sender=None, user=subscriber, reason="refunded")
    response = client.get(f"/feeds/private/{token}/podcast.xml")
    assert response.status_code == 410
    assert SECRET_MARKER not in response.content.decode()
    # A new subscription later gets a new URL; the refunded one stays dead.
    assert active_token(user=subscriber).token != token
    assert client.get(f"/feeds/private/{token}/podcast.xml").status_code == 410


def test_rotating_kills_the_old_url_and_issues_a_working_one(client, narrated, subscriber):
    old = active_token(user=subscriber).token
    new = rotate_token(user=subscriber).token
    assert new != old and len(new) >= 40
    assert client.get(f"/feeds/private/{old}/podcast.xml").status_code == 410
    fetch(client, f"/feeds/private/{new}/podcast.xml")


def test_rotate_button_needs_post_and_sign_in(client, narrated, subscriber):
    old = active_token(user=subscriber).token
    assert client.get("/audio/feed/rotate/").status_code == 405
    client.force_login(subscriber)
    response = client.post("/audio/feed/rotate/", {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/account/"
    assert client.get(f"/feeds/private/{old}/podcast.xml").status_code == 410


def test_unknown_token_is_404(client, narrated):
    assert client.get("/feeds/private/" + "x" * 43 + "/podcast.xml").status_code == 404


def test_a_free_member_holding_a_token_gets_no_feed(client, narrated, member):
    # A token alone is not access: members must also say the reader subscribes.
    token = active_token(user=member).token
    response = client.get(f"/feeds/private/{token}/podcast.xml")
    assert response.status_code == 410
    assert b"enclosure" not in response.content


def test_public_feed_is_served_from_the_page_cache_until_new_audio_is_ready(client, narrated, magazine):
    first = fetch(client, "/podcast/public.xml")
    assert first["X-Cache"] == "MISS"
    assert fetch(client, "/podcast/public.xml")["X-Cache"] == "HIT"
    newer = make_narration(magazine.public_article, voice="second-voice")
    assert f"/audio/{newer.pk}/" in fetch(client, "/podcast/public.xml").content.decode()
