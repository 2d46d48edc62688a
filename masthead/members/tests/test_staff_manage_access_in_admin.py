"""Staff see and edit grants and gift codes in the Wagtail admin; a comp with an end date works at once."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from masthead.access import entitlements
from masthead.access.models import Grant
from masthead.access.signals import access_ended
from masthead.members.models import GiftCode


def _circulation_client(staff):
    staff.groups.add(Group.objects.get(name="Circulation"))
    client = Client()
    client.force_login(staff)
    return client


def test_staff_grant_a_comp_with_an_end_date_and_the_reader_can_read(magazine, staff, member):
    client = _circulation_client(staff)
    add_url = reverse("members_grants:add")
    form = client.get(add_url)
    assert form.status_code == 200 and "comp:" in form.content.decode()
    response = client.post(
        add_url,
        {
            "reader_email": "MEMBER@example.com",
            "kind": "comp",
            "reference": "comp:press-pass",
            "starts_at": "2026-01-01 00:00",
            "ends_at": "2099-12-31 23:59",
            "note": "Press pass",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    grant = Grant.objects.get(reference="comp:press-pass")
    assert grant.user == member and grant.created_by == staff and grant.note == "Press pass"
    assert entitlements.can_read(member, magazine.subscriber_article)
    listing = client.get(reverse("members_grants:index")).content.decode()
    assert "Press pass" in listing


def test_an_unknown_reader_email_is_refused_with_the_reason(staff):
    client = _circulation_client(staff)
    response = client.post(
        reverse("members_grants:add"),
        {"reader_email": "nobody@example.com", "kind": "comp", "reference": "comp:x", "starts_at": "2026-01-01 00:00"},
    )
    assert response.status_code == 200
    assert "No reader has this email address" in response.content.decode()
    assert not Grant.objects.exists()


def test_revoking_in_the_admin_ends_access_and_tells_other_apps(staff, subscriber):
    grant = Grant.objects.get(user=subscriber)
    assert grant.ends_at is not None
    received = []

    def receiver(sender, user, reason, **kwargs):
        received.append((user.pk, reason))

    access_ended.connect(receiver)
    try:
        response = _circulation_client(staff).post(
            reverse("members_grants:edit", args=[grant.pk]),
            {
                "reader_email": subscriber.email,
                "kind": grant.kind,
                "reference": grant.reference,
                "starts_at": grant.starts_at.strftime("%Y-%m-%d %H:%M"),
                "ends_at": grant.ends_at.strftime("%Y-%m-%d %H:%M"),
                "note": grant.note,
                "revoked_at": "2020-01-01 00:00",
                "revoke_reason": "revoked",
            },
        )
    finally:
        access_ended.disconnect(receiver)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not entitlements.is_subscriber(subscriber)
    assert received == [(subscriber.pk, "revoked")]


def test_gift_codes_are_listed_and_created_by_staff(staff):
    client = _circulation_client(staff)
    form = client.get(reverse("members_gift_codes:add")).content.decode()
    assert "months" in form
    response = client.post(reverse("members_gift_codes:add"), {"code": "GIFT-CODE-0001", "months": "6", "purchaser_email": ""})
    assert response.status_code == 302
    assert GiftCode.objects.get(code="GIFT-CODE-0001").months == 6
    assert "GIFT-CODE-0001" in client.get(reverse("members_gift_codes:index")).content.decode()


def test_editors_without_the_circulation_group_cannot_see_grants(editor):
    client = Client()
    client.force_login(editor)
    response = client.get(reverse("members_grants:index"))
    assert response.status_code in (302, 403)


def _edit_post(grant, **changes):
    data = {
        "reader_email": grant.user.email,
        "kind": grant.kind,
        "reference": grant.reference,
        "starts_at": grant.starts_at.strftime("%Y-%m-%d %H:%M"),
        "ends_at": grant.ends_at.strftime("%Y-%m-%d %H:%M") if grant.ends_at else "",
        "note": grant.note,
        "revoked_at": grant.revoked_at.strftime("%Y-%m-%d %H:%M") if grant.revoked_at else "",
        "revoke_reason": grant.revoke_reason,
    }
    data.update(changes)
    return data


def test_editing_a_grant_cannot_move_it_to_another_reader_or_rename_it(staff, subscriber, member):
    grant = Grant.objects.get(user=subscriber)
    response = _circulation_client(staff).post(
        reverse("members_grants:edit", args=[grant.pk]),
        _edit_post(grant, reader_email=member.email, kind="comp", reference="comp:stolen", note="Renewed by staff"),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    grant.refresh_from_db()
    assert (grant.user, grant.kind, grant.reference) == (subscriber, "subscription", "sub_persona_subscriber")
    assert grant.note == "Renewed by staff"
    assert entitlements.is_subscriber(subscriber) and not entitlements.is_subscriber(member)


def test_a_revocation_cannot_be_undone_in_the_admin(staff, refunded):
    grant = Grant.objects.get(user=refunded)
    assert grant.revoked_at is not None
    edit = reverse("members_grants:edit", args=[grant.pk])
    _circulation_client(staff).post(edit, _edit_post(grant, revoked_at="", revoke_reason=""))
    grant.refresh_from_db()
    assert grant.revoked_at is not None and grant.revoke_reason == "refunded"
    assert not entitlements.is_subscriber(refunded)


def test_a_revocation_needs_an_early_end_reason(staff, subscriber):
    grant = Grant.objects.get(user=subscriber)
    response = _circulation_client(staff).post(
        reverse("members_grants:edit", args=[grant.pk]), _edit_post(grant, revoked_at="2020-01-01 00:00", revoke_reason="bored")
    )
    assert response.status_code == 200
    assert "Say why access is revoked" in response.content.decode()
    assert entitlements.is_subscriber(subscriber)


def test_adding_a_grant_for_a_reference_another_reader_holds_is_refused(staff, member, subscriber):
    response = _circulation_client(staff).post(
        reverse("members_grants:add"),
        {
            "reader_email": member.email,
            "kind": "subscription",
            "reference": "sub_persona_subscriber",
            "starts_at": "2026-01-01 00:00",
        },
    )
    assert response.status_code == 200
    assert Grant.objects.get(reference="sub_persona_subscriber").user == subscriber
    assert not entitlements.is_subscriber(member)
