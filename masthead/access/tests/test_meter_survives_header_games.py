"""Clearing cookies and changing the User-Agent does not reset the meter; a crowd behind one NAT still reads."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from masthead.access.models import MeterRead
from masthead.testing import builders
from masthead.testing.fixtures import SECRET_MARKER


@pytest.fixture
def paid_articles(magazine):
    return [magazine.subscriber_article] + [
        builders.make_article(
            magazine.sections["Finance"],
            f"Paid story {n}",
            authors=[magazine.author],
            paragraphs=["Open paragraph.", f"Closed paragraph {SECRET_MARKER}."],
            access="subscribers",
            preview_after=1,
        )
        for n in range(5)
    ]


def full(client, article):
    response = client.get(article.url)
    assert response.status_code == 200
    return SECRET_MARKER in response.content.decode()


def test_no_cookies_and_a_new_user_agent_each_time_stop_at_the_networks_daily_ceiling(set_meter, paid_articles, settings):
    # curl -A "reader-$RANDOM" without a cookie jar: a new identity on every request.
    set_meter(1)
    settings.METER_READERS_PER_NETWORK = 3
    answers = [full(Client(HTTP_USER_AGENT=f"reader-{n}"), article) for n, article in enumerate(paid_articles)]
    assert answers == [True, True, True, False, False, False]
    # Nor does a forged X-Forwarded-For help when no trusted proxy sent it.
    assert not full(Client(HTTP_USER_AGENT="reader-x", HTTP_X_FORWARDED_FOR="198.51.100.99"), paid_articles[5])


def test_the_ceiling_is_per_day(set_meter, paid_articles, settings):
    set_meter(1)
    settings.METER_READERS_PER_NETWORK = 1
    assert full(Client(HTTP_USER_AGENT="a"), paid_articles[0])
    assert not full(Client(HTTP_USER_AGENT="b"), paid_articles[1])
    MeterRead.objects.update(read_at=timezone.now() - timedelta(hours=25))
    assert full(Client(HTTP_USER_AGENT="c"), paid_articles[1])


def test_readers_behind_one_nat_each_get_their_allowance(set_meter, paid_articles):
    # Five colleagues, one office address, each keeping their own cookies: 5 × 2 reads is within the ceiling (2 × 10).
    set_meter(2)
    colleagues = [Client(HTTP_USER_AGENT=f"Browser/{n}") for n in range(5)]
    for browser in colleagues:
        assert full(browser, paid_articles[0]) and full(browser, paid_articles[1])
    for browser in colleagues:
        assert not full(browser, paid_articles[2])


def test_behind_a_trusted_proxy_each_reader_is_their_own_network(set_meter, paid_articles, settings):
    set_meter(1)
    settings.METER_READERS_PER_NETWORK = 1
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    readers = [Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}") for n in range(1, 4)]
    assert [full(reader, paid_articles[0]) for reader in readers] == [True, True, True]
    # Without the trust, the proxy's address is everyone's: the second reader already meets the ceiling.
    settings.TRUSTED_PROXIES = []
    strangers = [
        Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}", HTTP_USER_AGENT=f"Browser/{n}") for n in (1, 2)
    ]
    assert [full(reader, article) for reader, article in zip(strangers, paid_articles[1:3], strict=True)] == [True, False]


def test_rereading_stays_free_after_the_ceiling(set_meter, paid_articles, settings):
    set_meter(2)
    settings.METER_READERS_PER_NETWORK = 1
    reader = Client(HTTP_USER_AGENT="Keeper")
    assert full(reader, paid_articles[0]) and full(reader, paid_articles[1])
    assert not full(Client(HTTP_USER_AGENT="Other"), paid_articles[2])
    assert full(reader, paid_articles[0])
