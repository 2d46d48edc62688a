"""A private feed URL belongs to one unbroken stretch of access: a lapse kills it for good, a renewal does not.

A subscription that runs out sends no event, so the feed checks at every use
whether its token was issued inside the reader's present stretch of access.
"""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from masthead.access import services
from masthead.narration.feed_tokens import active_token
from masthead.narration.models import PodcastToken
from masthead.narration.tests.listening_helpers import make_narration
from masthead.narration.transcripts import audio_filename


def feed(token: str) -> int:
    return Client().get(f"/feeds/private/{token}/podcast.xml").status_code


def issued_while_subscribed(reader, *, days_ago: int) -> str:
    """The token the account page gave the reader back then (created set to that day)."""
    token = PodcastToken.objects.create(user=reader)
    PodcastToken.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(days=days_ago))
    return token.token


def resubscribe(reader, reference: str = "sub_again") -> None:
    services.grant_access(user=reader, kind="subscription", reference=reference, ends_at=timezone.now() + timedelta(days=30))


def test_a_token_kept_through_a_lapse_stays_dead_after_resubscribing(magazine, lapsed):
    full = make_narration(magazine.subscriber_article)
    # Issued during the year-long subscription that ended yesterday; the podcast app kept it and did not poll since.
    token = issued_while_subscribed(lapsed, days_ago=100)

    resubscribe(lapsed)

    assert feed(token) == 410
    assert Client().get(f"/feeds/private/{token}/audio/{full.pk}/{audio_filename(full)}").status_code == 410
    assert PodcastToken.objects.get(token=token).revoked_reason == "lapsed"
    # The account page offers a new address, which works.
    fresh = active_token(user=lapsed)
    assert fresh.token != token and feed(fresh.token) == 200


def test_a_token_seen_during_a_lapse_is_revoked_then_and_there(magazine, lapsed):
    token = issued_while_subscribed(lapsed, days_ago=100)
    assert feed(token) == 410  # the podcast app polls while the reader has no access
    assert PodcastToken.objects.get(token=token).revoked_reason == "lapsed"
    resubscribe(lapsed)
    assert feed(token) == 410


def test_the_account_page_never_shows_a_token_from_before_the_lapse(client, magazine, lapsed):
    token = issued_while_subscribed(lapsed, days_ago=100)
    resubscribe(lapsed)
    client.force_login(lapsed)
    html = client.get("/account/").content.decode()
    assert "Your private feed" in html and token not in html
    assert PodcastToken.objects.active().get(user=lapsed).token in html


def test_renewals_and_plan_changes_keep_the_same_feed(magazine, subscriber):
    token = active_token(user=subscriber).token
    now = timezone.now()
    # The monthly renewal moves the end of the same grant.
    services.grant_access(
        user=subscriber, kind="subscription", reference="sub_persona_subscriber", ends_at=now + timedelta(days=50)
    )
    assert feed(token) == 200
    # A plan change five minutes ago: the old subscription ended and the new one started two seconds later.
    switch = now - timedelta(minutes=5)
    services.end_access(kind="subscription", reference="sub_persona_subscriber", reason="cancelled", at=switch)
    services.grant_access(
        user=subscriber,
        kind="subscription",
        reference="sub_new_plan",
        starts_at=switch + timedelta(seconds=2),
        ends_at=now + timedelta(days=365),
    )
    assert feed(token) == 200
    assert not PodcastToken.objects.get(token=token).is_revoked
