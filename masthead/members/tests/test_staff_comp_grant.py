"""Staff grant complimentary access from the admin: through members.services, to the end of the chosen day."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from masthead.access import entitlements
from masthead.access.models import Grant
from masthead.members.tests.staff_fixtures import membership_staff  # noqa: F401 - fixture

URL = "/admin/members/comp/"


def test_comp_for_an_existing_reader_with_print(client: Client, membership_staff: Any, member: Any) -> None:  # noqa: F811
    until = timezone.localdate() + timedelta(days=90)
    client.force_login(membership_staff)
    response = client.post(
        URL, {"email": "MEMBER@example.com", "until": until.isoformat(), "includes_print": "on", "note": "Press"}
    )
    assert response.status_code == 302
    grant = Grant.objects.get(user=member)
    assert (grant.kind, grant.includes_print, grant.note, grant.created_by) == ("comp", True, "Press", membership_staff)
    # Access runs through the whole of the chosen day in the site's time zone.
    assert timezone.localtime(grant.ends_at - timedelta(microseconds=1)).date() == until
    assert entitlements.is_subscriber(member) and entitlements.gets_print(member) and entitlements.is_ad_free(member)


def test_comp_for_a_new_email_creates_the_reader(client: Client, membership_staff: Any) -> None:  # noqa: F811
    client.force_login(membership_staff)
    until = timezone.localdate() + timedelta(days=7)
    client.post(URL, {"email": "New.Writer@Example.com", "until": until.isoformat()})
    user = get_user_model().objects.get(email="new.writer@example.com")
    assert not user.has_usable_password()
    assert entitlements.is_subscriber(user) and not entitlements.gets_print(user)


def test_bad_form_says_what_is_wrong_and_grants_nothing(client: Client, membership_staff: Any) -> None:  # noqa: F811
    client.force_login(membership_staff)
    yesterday = timezone.localdate() - timedelta(days=1)
    response = client.post(URL, {"email": "not-an-email", "until": yesterday.isoformat()})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter a valid email address." in html
    assert "The end date is in the past" in html
    assert not Grant.objects.exists()


def test_staff_end_a_comp_and_the_reader_loses_access_at_once(client: Client, membership_staff: Any, member: Any) -> None:  # noqa: F811
    from masthead.access import services
    from masthead.access.signals import access_ended

    services.grant_comp(user=member, until=timezone.localdate() + timedelta(days=30))
    ended: list[str] = []

    def note(sender: Any, user: Any, reason: str, **_: Any) -> None:
        ended.append(reason)

    access_ended.connect(note)
    try:
        client.force_login(membership_staff)
        assert "End comp" in client.get("/admin/members/?filter=comp").content.decode()
        assert client.get(f"/admin/members/{member.pk}/end-comp/").status_code == 405
        assert client.post(f"/admin/members/{member.pk}/end-comp/").status_code == 302
    finally:
        access_ended.disconnect(note)
    assert not entitlements.is_subscriber(member)
    assert ended == ["revoked"]


def test_list_viewer_cannot_end_a_comp(client: Client, member: Any) -> None:
    from masthead.access import services
    from masthead.members.tests.staff_fixtures import staff_with

    services.grant_comp(user=member, until=timezone.localdate() + timedelta(days=30))
    client.force_login(staff_with("viewer", "view_grant"))
    assert client.post(f"/admin/members/{member.pk}/end-comp/").status_code == 403
    assert entitlements.is_subscriber(member)
