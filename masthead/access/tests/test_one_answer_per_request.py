"""Every part of a page asks whether the reader has access; within one request the
database is asked once (access.middleware), yet a grant written during the request
(a checkout's return page, a refund) is seen by the very next question."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from masthead.access import entitlements, services
from masthead.access.models import Grant
from masthead.testing.fixtures import SECRET_MARKER


def test_one_request_asks_the_database_once_for_many_questions(subscriber):
    with entitlements.one_answer_per_reader(), CaptureQueriesContext(connection) as queries:
        answers = [entitlements.is_subscriber(subscriber) for _ in range(5)] + [entitlements.is_ad_free(subscriber)]
    assert answers == [True] * 6
    assert len(queries) == 1


def test_a_grant_written_during_the_request_is_seen_at_once(member):
    with entitlements.one_answer_per_reader():
        assert not entitlements.is_subscriber(member)
        services.grant_comp(user=member, until=None, note="Press pass")
        assert entitlements.is_subscriber(member)


def test_a_refund_during_the_request_ends_access_at_once(subscriber):
    grant = entitlements.active_grants(subscriber).first()
    with entitlements.one_answer_per_reader():
        assert entitlements.is_subscriber(subscriber)
        services.end_access(kind=grant.kind, reference=grant.reference, reason="refunded")
        assert not entitlements.is_subscriber(subscriber)


def test_each_request_asks_again_so_a_refund_between_two_requests_shows_the_teaser(client_for, magazine, subscriber):
    client = client_for("subscriber")
    assert SECRET_MARKER in client.get(magazine.subscriber_article.url).content.decode()
    grant = entitlements.active_grants(subscriber).first()
    services.end_access(kind=grant.kind, reference=grant.reference, reason="refunded")
    assert SECRET_MARKER not in client.get(magazine.subscriber_article.url).content.decode()


@pytest.mark.parametrize(
    "starts, ends, revoked",
    [
        (-10, None, None),  # open-ended
        (-10, 5, None),  # runs a few more days
        (-10, -1, None),  # ended yesterday
        (3, 30, None),  # starts in three days
        (-10, 30, -1),  # revoked yesterday
        (-10, None, 2),  # a revocation dated ahead still counts as revoked
    ],
)
def test_the_plain_sql_answer_is_the_querysets(member, starts, ends, revoked):
    now = timezone.now()
    day = timedelta(days=1)
    Grant.objects.create(
        user=member,
        kind="comp",
        reference=f"comp:{starts}:{ends}:{revoked}",
        starts_at=now + starts * day,
        ends_at=None if ends is None else now + ends * day,
        revoked_at=None if revoked is None else now + revoked * day,
    )
    assert entitlements.has_active_grant(member) == entitlements.active_grants(member).exists()
    with entitlements.one_answer_per_reader():
        assert entitlements.has_active_grant(member) == entitlements.active_grants(member).exists()
