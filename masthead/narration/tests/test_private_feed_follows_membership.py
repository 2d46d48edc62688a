"""The private feed against the real members app: a refund or a lapse ends it at once."""

from __future__ import annotations

import io

import podcastparser

from masthead.access import services as members
from masthead.narration.feed_tokens import active_token
from masthead.narration.models import PodcastToken
from masthead.narration.tests.listening_helpers import make_narration


def episodes(client, token: str) -> dict[str, int]:
    response = client.get(f"/feeds/private/{token}/podcast.xml")
    assert response.status_code == 200
    parsed = podcastparser.parse("x", io.BytesIO(response.content))
    return {e["title"]: e["enclosures"][0]["file_size"] for e in parsed["episodes"]}


def test_subscriber_hears_everything_until_the_refund(client, magazine, subscriber):
    full = make_narration(magazine.subscriber_article, seconds=1.5)
    make_narration(magazine.subscriber_article, variant="teaser", seconds=0.5)
    token = active_token(user=subscriber).token
    assert episodes(client, token) == {"A Subscriber Investigation": full.audio.size}

    members.end_access(kind="subscription", reference="sub_persona_subscriber", reason="refunded")

    assert client.get(f"/feeds/private/{token}/podcast.xml").status_code == 410
    assert PodcastToken.objects.get(token=token).revoked_reason == "refunded"


def test_lapsed_and_refunded_readers_get_no_feed_even_with_an_old_token(client, magazine, lapsed, refunded):
    make_narration(magazine.public_article)
    for reader in (lapsed, refunded):
        # Tokens issued while they subscribed (made directly: the account panel would not offer one now).
        token = PodcastToken.objects.create(user=reader).token
        assert client.get(f"/feeds/private/{token}/podcast.xml").status_code == 410


def test_account_panel_offers_the_feed_to_subscribers_only(client, magazine, subscriber, lapsed):
    client.force_login(lapsed)
    assert "Your private feed" not in client.get("/account/").content.decode()
    client.force_login(subscriber)
    html = client.get("/account/").content.decode()
    assert "Your private feed" in html
    assert f"/feeds/private/{PodcastToken.objects.active().get(user=subscriber).token}/podcast.xml" in html


def test_the_feed_looks_up_the_readers_grants_once_however_many_articles(client, magazine, subscriber):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from masthead.testing import builders

    def grant_queries(token: str) -> tuple[int, int, int]:
        with CaptureQueriesContext(connection) as ctx:
            found = episodes(client, token)
        grants = [q for q in ctx.captured_queries if "members_grant" in q["sql"]]
        return len(found), len(grants), len(ctx.captured_queries)

    make_narration(magazine.subscriber_article)
    token = active_token(user=subscriber).token
    grant_queries(token)  # the first request also warms per-process caches (site, settings)
    few = grant_queries(token)
    for i in range(6):
        page = builders.make_article(
            magazine.sections["Politics"],
            f"Paid Report {i}",
            authors=[magazine.author],
            paragraphs=["Text."],
            access="subscribers",
        )
        make_narration(page)
    many = grant_queries(token)
    assert many[0] == few[0] + 6  # the subscriber gets all six new episodes in full...
    assert many[1] == few[1]  # ...for the same grant lookups (one for the feed, one per policy pass)
    assert many[2] == few[2]
