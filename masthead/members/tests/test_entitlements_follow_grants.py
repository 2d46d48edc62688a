"""Entitlements answer from grants: subscriptions, comps with end dates, gifts, lapses and refunds."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from masthead.members import entitlements, services
from masthead.members.models import GiftCode, Grant
from masthead.newsroom.access import reader_access_ended


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

    reader_access_ended.connect(receiver)
    try:
        services.grant_access(user=member, kind="subscription", reference="sub_4", ends_at=timezone.now() + timedelta(days=30))
        services.end_access(kind="subscription", reference="sub_4", reason="refunded")
        services.end_access(kind="subscription", reference="sub_4", at=timezone.now(), reason="cancelled")
    finally:
        reader_access_ended.disconnect(receiver)
    assert received == [(member.pk, "refunded")]
    assert not entitlements.is_subscriber(member)


def test_gift_code_gives_its_months_once(member, staff):
    gift = services.create_gift(months=3, includes_print=True, purchaser_email="aunt@example.com")
    grant = services.redeem_gift(user=member, code=gift.code.lower().replace("-", " "))
    assert entitlements.is_subscriber(member) and entitlements.gets_print(member)
    assert grant.ends_at is not None
    assert timedelta(days=89) <= grant.ends_at - grant.starts_at <= timedelta(days=92)
    with pytest.raises(services.AccessError, match="already been redeemed"):
        services.redeem_gift(user=staff, code=gift.code)
    with pytest.raises(services.AccessError, match="No gift matches"):
        services.redeem_gift(user=staff, code="NOPE-NOPE-NOPE")


def test_a_gift_to_a_reader_with_a_comp_starts_when_the_comp_ends(member):
    comp = services.grant_comp(user=member, until=(timezone.now() + timedelta(days=40)).date())
    grant = services.redeem_gift(user=member, code=services.create_gift(months=1).code)
    assert grant.starts_at == comp.ends_at


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


def test_two_simultaneous_redemptions_claim_a_gift_once(member, staff, monkeypatch):
    gift = services.create_gift(months=1)
    # What a second request read before the first one committed: the code still unredeemed.
    stale = GiftCode.objects.get(pk=gift.pk)
    services.redeem_gift(user=member, code=gift.code)
    monkeypatch.setattr(services, "_find_gift", lambda code: stale)
    with pytest.raises(services.AccessError, match="already been redeemed"):
        services.redeem_gift(user=staff, code=gift.code)
    assert not Grant.objects.filter(user=staff).exists()
    assert GiftCode.objects.get(pk=gift.pk).redeemed_by == member


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
        assert not entitlements.has_active_grant(member)  # the block's answer stands until it ends...
    assert entitlements.has_active_grant(member)  # ...and the next question sees the new grant
    with django_assert_num_queries(2):
        entitlements.has_active_grant(member)
        entitlements.has_active_grant(member)
