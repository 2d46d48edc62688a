"""Entitlements answer from grants: subscriptions, comps with end dates, gifts, lapses and refunds."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from masthead.access import entitlements, services
from masthead.access.models import Grant
from masthead.access.signals import access_ended


def test_personas_have_the_access_their_names_promise(magazine, member, subscriber, lapsed, refunded, staff):
    article = magazine.subscriber_article
    assert entitlements.can_read(subscriber, article)
    assert entitlements.can_read(staff, article)
    for reader in (AnonymousUser(), member, lapsed, refunded):
        assert not entitlements.can_read(reader, article), reader
        assert not entitlements.is_ad_free(reader), reader
    assert entitlements.is_ad_free(subscriber)
    assert entitlements.is_subscriber(subscriber) and not entitlements.is_subscriber(lapsed)


def test_members_articles_need_any_account_and_public_needs_none(magazine, member):
    assert entitlements.can_read(member, magazine.members_article)
    assert not entitlements.can_read(AnonymousUser(), magazine.members_article)
    assert entitlements.can_read(AnonymousUser(), magazine.public_article)


@pytest.mark.parametrize("tz", ["UTC", "America/New_York", "Asia/Tokyo"])
def test_comp_until_a_date_covers_that_whole_day_in_the_site_time_zone(settings, member, tz):
    settings.TIME_ZONE = tz
    zone = ZoneInfo(tz)
    with timezone.override(zone):
        grant = services.grant_comp(user=member, until=date(2027, 3, 31), note="Press pass")
    last_moment = datetime(2027, 3, 31, 23, 59, 59, tzinfo=zone)
    next_day = datetime(2027, 4, 1, 0, 0, 0, tzinfo=zone)
    assert grant.is_active(last_moment)
    assert not grant.is_active(next_day)
    assert entitlements.active_grants(member, last_moment).exists()
    assert not entitlements.active_grants(member, next_day).exists()


def test_grant_access_twice_updates_the_same_grant(member):
    now = timezone.now()
    first = services.grant_access(user=member, kind="subscription", reference="sub_1", ends_at=now + timedelta(days=30))
    again = services.grant_access(
        user=member, kind="subscription", reference="sub_1", ends_at=now + timedelta(days=60), includes_print=True
    )
    assert first.pk == again.pk and Grant.objects.count() == 1
    assert entitlements.gets_print(member)


def test_a_revoked_grant_is_not_revived_by_a_late_webhook(member):
    now = timezone.now()
    services.grant_access(user=member, kind="subscription", reference="sub_2", ends_at=now + timedelta(days=30))
    services.end_access(kind="subscription", reference="sub_2", reason="refunded")
    services.grant_access(user=member, kind="subscription", reference="sub_2", ends_at=now + timedelta(days=30))
    assert not entitlements.is_subscriber(member)


def test_cancel_at_period_end_keeps_access_until_then(member):
    now = timezone.now()
    services.grant_access(user=member, kind="subscription", reference="sub_3", ends_at=now + timedelta(days=30))
    services.end_access(kind="subscription", reference="sub_3", at=now + timedelta(days=10), reason="cancelled")
    assert entitlements.active_grants(member, now + timedelta(days=9)).exists()
    assert not entitlements.active_grants(member, now + timedelta(days=11)).exists()


def test_refund_ends_access_at_once_and_tells_other_apps(member):
    received = []

    def receiver(sender, user, reason, **kwargs):
        received.append((user.pk, reason))

    access_ended.connect(receiver)
    try:
        services.grant_access(user=member, kind="subscription", reference="sub_4", ends_at=timezone.now() + timedelta(days=30))
        services.end_access(kind="subscription", reference="sub_4", reason="refunded")
        services.end_access(kind="subscription", reference="sub_4", at=timezone.now(), reason="cancelled")
    finally:
        access_ended.disconnect(receiver)
    assert received == [(member.pk, "refunded")]
    assert not entitlements.is_subscriber(member)


def test_bad_grant_requests_are_refused_with_the_reason(member):
    now = timezone.now()
    with pytest.raises(services.AccessError, match="Unknown grant kind"):
        services.grant_access(user=member, kind="lifetime", reference="x", ends_at=None)
    with pytest.raises(services.AccessError, match="before it starts"):
        services.grant_access(user=member, kind="comp", reference="comp:x", starts_at=now, ends_at=now - timedelta(days=1))
    assert Grant.objects.count() == 0


def test_add_months_clamps_to_the_end_of_shorter_months():
    zone = ZoneInfo("UTC")
    assert services.add_months(datetime(2026, 1, 31, 12, tzinfo=zone), 1) == datetime(2026, 2, 28, 12, tzinfo=zone)
    assert services.add_months(datetime(2026, 11, 15, tzinfo=zone), 3) == datetime(2027, 2, 15, tzinfo=zone)


def test_a_renewal_moves_the_end_not_the_start_and_undoes_a_pending_cancel(member):
    now = timezone.now()
    first = services.grant_access(
        user=member, kind="subscription", reference="sub_5", starts_at=now - timedelta(days=25), ends_at=now + timedelta(days=5)
    )
    services.end_access(kind="subscription", reference="sub_5", at=first.ends_at, reason="cancelled")
    assert Grant.objects.get(pk=first.pk).revoke_reason == "cancelled"
    renewed = services.grant_access(user=member, kind="subscription", reference="sub_5", ends_at=now + timedelta(days=35))
    assert renewed.starts_at == first.starts_at and renewed.revoke_reason == ""


def test_a_grant_created_concurrently_is_updated_not_duplicated(member, monkeypatch):
    now = timezone.now()
    services.grant_access(user=member, kind="subscription", reference="sub_race", ends_at=now + timedelta(days=5))
    # The second webhook looked before the first committed and saw no grant.
    real_filter = Grant.objects.select_for_update

    class Stale:
        def filter(self, **kwargs):
            return Grant.objects.none()

        def get(self, **kwargs):
            return real_filter().get(**kwargs)

    monkeypatch.setattr(Grant.objects, "select_for_update", lambda: Stale())
    try:
        grant = services.grant_access(user=member, kind="subscription", reference="sub_race", ends_at=now + timedelta(days=9))
    finally:
        monkeypatch.setattr(Grant.objects, "select_for_update", real_filter)
    assert Grant.objects.filter(reference="sub_race").count() == 1
    assert grant.ends_at == now + timedelta(days=9)


def test_one_answer_per_reader_lasts_only_for_its_block(member, subscriber, django_assert_num_queries):
    with entitlements.one_answer_per_reader():
        with django_assert_num_queries(2):  # one lookup per reader, however often asked
            assert [entitlements.has_active_grant(u) for u in (member, subscriber, member, subscriber)] == [
                False,
                True,
                False,
                True,
            ]
        services.grant_access(user=member, kind="subscription", reference="sub_memo", ends_at=timezone.now() + timedelta(days=30))
        assert entitlements.has_active_grant(member)  # a grant written inside the block is seen at once
        with django_assert_num_queries(0):
            assert entitlements.has_active_grant(subscriber)  # other readers' answers stand
    assert entitlements.has_active_grant(member)
    with django_assert_num_queries(2):
        entitlements.has_active_grant(member)
        entitlements.has_active_grant(member)
