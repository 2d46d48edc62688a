"""access_unbroken_since: when the reader's present stretch of access began — grants chain, a gap breaks the chain."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from masthead.access import services
from masthead.access.entitlements import CONTINUITY_SLACK, access_unbroken_since

NOW = timezone.now()


def days(n: float) -> datetime:
    return NOW + timedelta(days=n)


@pytest.fixture
def reader(db):
    return get_user_model().objects.create_user("reader", "reader@example.com", "a-long-password-1")


def grant(reader, ref, start, end, **extra):
    return services.grant_access(user=reader, kind="comp", reference=ref, starts_at=start, ends_at=end, **extra)


def test_no_access_now_means_no_stretch(reader):
    assert access_unbroken_since(AnonymousUser()) is None
    assert access_unbroken_since(reader) is None
    grant(reader, "comp:old", days(-60), days(-1))
    assert access_unbroken_since(reader) is None


def test_one_grant_starts_the_stretch(reader):
    grant(reader, "comp:1", days(-10), days(10))
    assert access_unbroken_since(reader, at=NOW) == days(-10)


def test_overlapping_and_touching_grants_make_one_stretch(reader):
    grant(reader, "comp:a", days(-90), days(-30))
    grant(reader, "comp:b", days(-30), days(-5))  # touches a
    grant(reader, "comp:c", days(-6), days(20))  # overlaps b
    assert access_unbroken_since(reader, at=NOW) == days(-90)


def test_a_gap_just_inside_the_slack_is_no_lapse_and_just_past_it_is(reader):
    grant(reader, "comp:a", days(-90), days(-30))
    grant(reader, "comp:b", days(-30) + CONTINUITY_SLACK, days(10))
    assert access_unbroken_since(reader, at=NOW) == days(-90)
    grant(reader, "comp:b", days(-30) + CONTINUITY_SLACK + timedelta(seconds=1), days(10))
    assert access_unbroken_since(reader, at=NOW) == days(-30) + CONTINUITY_SLACK + timedelta(seconds=1)


def test_a_refund_breaks_the_stretch_at_the_revocation(reader):
    grant(reader, "comp:a", days(-90), days(30))
    services.end_access(kind="comp", reference="comp:a", reason="revoked", at=days(-20))
    assert access_unbroken_since(reader, at=NOW) is None
    grant(reader, "comp:b", days(-1), days(30))
    assert access_unbroken_since(reader, at=NOW) == days(-1)


def test_future_grants_do_not_count_yet(reader):
    grant(reader, "comp:now", days(-5), days(5))
    grant(reader, "comp:later", days(20), days(60))  # a gap from day 5 to day 20
    assert access_unbroken_since(reader, at=NOW) == days(-5)
    assert access_unbroken_since(reader, at=days(30)) == days(20)


def test_staff_have_had_access_since_they_joined(db):
    staff = get_user_model().objects.create_user("ed", "ed@example.com", "a-long-password-1", is_staff=True)
    assert access_unbroken_since(staff) == staff.date_joined
