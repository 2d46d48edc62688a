"""Gift codes: a prepaid period of access, redeemed once, added on after the reader's current access."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from masthead.access import entitlements
from masthead.access import services as access_services
from masthead.access.models import Grant
from masthead.access.services import AccessError
from masthead.members import services
from masthead.members.models import GiftCode


def test_gift_code_gives_its_months_once(member, staff):
    gift = services.create_gift(months=3, includes_print=True, purchaser_email="aunt@example.com")
    grant = services.redeem_gift(user=member, code=gift.code.lower().replace("-", " "))
    assert entitlements.is_subscriber(member) and entitlements.gets_print(member)
    assert grant.ends_at is not None
    assert timedelta(days=89) <= grant.ends_at - grant.starts_at <= timedelta(days=92)
    with pytest.raises(AccessError, match="already been redeemed"):
        services.redeem_gift(user=staff, code=gift.code)
    with pytest.raises(AccessError, match="No gift matches"):
        services.redeem_gift(user=staff, code="NOPE-NOPE-NOPE")


def test_a_gift_to_a_reader_with_a_comp_starts_when_the_comp_ends(member):
    comp = access_services.grant_comp(user=member, until=(timezone.now() + timedelta(days=40)).date())
    grant = services.redeem_gift(user=member, code=services.create_gift(months=1).code)
    assert grant.starts_at == comp.ends_at


def test_two_simultaneous_redemptions_claim_a_gift_once(member, staff, monkeypatch):
    gift = services.create_gift(months=1)
    # What a second request read before the first one committed: the code still unredeemed.
    stale = GiftCode.objects.get(pk=gift.pk)
    services.redeem_gift(user=member, code=gift.code)
    monkeypatch.setattr(services, "_find_gift", lambda code: stale)
    with pytest.raises(AccessError, match="already been redeemed"):
        services.redeem_gift(user=staff, code=gift.code)
    assert not Grant.objects.filter(user=staff).exists()
    assert GiftCode.objects.get(pk=gift.pk).redeemed_by == member
