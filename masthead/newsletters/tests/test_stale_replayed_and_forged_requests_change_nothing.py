"""Attacks and accidents on the sending side: a test to a suppressed address is refused; a stale "Send now"
(a double click, a second tab, a send already started or cancelled) is refused with a message that says so
and sends nothing twice; a replayed provider webhook counts once and cannot undo staff's or a reader's later
choice; a forged one, or one that names another reader's delivery, changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from masthead.newsletters import sending, services
from masthead.newsletters.models import (
    Delivery,
    Send,
    SendKind,
    SendStatus,
    Subscription,
    SubscriptionStatus,
    Suppression,
    TrackingEvent,
)
from masthead.newsletters.tests.test_bounces_and_complaints import _event, _post, mailgun  # noqa: F401 - fixture


@pytest.fixture
def chief(db):
    return get_user_model().objects.create_superuser("chief", "chief@example.com", "a-long-password-1")


@pytest.fixture
def admin(chief):
    client = Client()
    client.force_login(chief)
    return client


def _post_draft(the_briefing) -> Send:
    return Send.objects.create(newsletter=the_briefing, kind=SendKind.POST, subject="Hello", body="<p>A short post.</p>")


def _said(response) -> str:
    return " | ".join(str(m) for m in response.context["messages"]) if response.context else ""


def test_a_test_send_to_a_suppressed_address_is_refused(admin, chief, smtp_server, the_briefing):
    send = _post_draft(the_briefing)
    services.suppress(email="Chief@Example.com", reason="bounced")
    response = admin.post(f"/admin/sends/{send.pk}/test/", follow=True)
    assert "chief@example.com is on the suppression list" in _said(response)
    assert smtp_server.messages == []
    with pytest.raises(sending.SendError, match="suppression list"):
        sending.send_test(send=send, user=chief)
    assert smtp_server.messages == []


def test_a_second_send_now_is_refused_and_sends_nothing_twice(
    admin, smtp_server, the_briefing, subscribe, member, django_capture_on_commit_callbacks
):
    subscribe(member, the_briefing)
    send = _post_draft(the_briefing)
    with django_capture_on_commit_callbacks(execute=True):
        first = admin.post(f"/admin/sends/{send.pk}/start/", {"seen": "draft"}, follow=True)
        # The same button in a second tab, or a double click: the page still says "draft".
        second = admin.post(f"/admin/sends/{send.pk}/start/", {"seen": "draft"}, follow=True)
    assert "Sending has started." in _said(first)
    assert "already started: nothing was sent twice" in _said(second), _said(second)
    assert "Sending has started." not in _said(second)
    assert [m["To"] for m in smtp_server.messages] == ["member@example.com"]
    assert Delivery.objects.filter(send=send).count() == 1


def test_send_now_on_a_paused_or_cancelled_send_is_refused(admin, smtp_server, the_briefing, subscribe, member):
    subscribe(member, the_briefing)
    send = _post_draft(the_briefing)
    Send.objects.filter(pk=send.pk).update(status=SendStatus.PAUSED)
    response = admin.post(f"/admin/sends/{send.pk}/start/", {"seen": "draft"}, follow=True)
    assert "already started and is paused" in _said(response)
    Send.objects.filter(pk=send.pk).update(status=SendStatus.CANCELLED)
    response = admin.post(f"/admin/sends/{send.pk}/start/", {"seen": "draft"}, follow=True)
    assert "was cancelled: it cannot be sent" in _said(response)
    assert Send.objects.get(pk=send.pk).status == SendStatus.CANCELLED
    assert smtp_server.messages == [] and not Delivery.objects.exists()


def test_send_now_from_a_page_older_than_a_schedule_is_refused(admin, smtp_server, the_briefing, subscribe, member):
    subscribe(member, the_briefing)
    send = _post_draft(the_briefing)
    sending.schedule(send=send, at=timezone.now() + timedelta(days=1))  # done in another tab
    response = admin.post(f"/admin/sends/{send.pk}/start/", {"seen": "draft"}, follow=True)
    assert "changed since your page was loaded (it is now scheduled)" in _said(response)
    assert Send.objects.get(pk=send.pk).status == SendStatus.SCHEDULED and smtp_server.messages == []


def test_a_second_resend_click_queues_nothing_again(admin, smtp_server, the_briefing, subscribe, member):
    subscriber = subscribe(member, the_briefing)
    send = _post_draft(the_briefing)
    Send.objects.filter(pk=send.pk).update(status=SendStatus.PAUSED, prepared=True, recipient_count=1)
    row = Delivery.objects.create(send=send, subscriber=subscriber, email=member.email, status="unknown")
    first = admin.post(f"/admin/sends/{send.pk}/resend/", {"delivery": row.pk}, follow=True)
    second = admin.post(f"/admin/sends/{send.pk}/resend/", {"delivery": row.pk}, follow=True)
    assert "1 recipient is queued again." in _said(first)
    assert "Nothing to resend" in _said(second)
    # A paused send stays paused: the resent row waits for the resume.
    assert Send.objects.get(pk=send.pk).status == SendStatus.PAUSED and smtp_server.messages == []


def test_a_cancelled_sends_unknown_rows_are_listed_but_not_resent(admin, smtp_server, the_briefing, subscribe, member):
    subscriber = subscribe(member, the_briefing)
    send = _post_draft(the_briefing)
    Send.objects.filter(pk=send.pk).update(status=SendStatus.CANCELLED, prepared=True, recipient_count=1)
    row = Delivery.objects.create(send=send, subscriber=subscriber, email=member.email, status="unknown")
    page = admin.get(f"/admin/sends/{send.pk}/").content.decode()
    assert member.email in page and "The send was cancelled, so they are not resent." in page
    response = admin.post(f"/admin/sends/{send.pk}/resend/", {"delivery": row.pk}, follow=True)
    assert "cancelled" in _said(response)
    assert Delivery.objects.get(pk=row.pk).status == "unknown" and smtp_server.messages == []


def _delivery_for(the_briefing, subscriber, email):
    send = _post_draft(the_briefing)
    Send.objects.filter(pk=send.pk).update(status=SendStatus.SENT)
    return Delivery.objects.create(send=send, subscriber=subscriber, email=email, status="sent")


def test_a_replayed_bounce_does_not_undo_staffs_lifting_of_the_suppression(mailgun, the_briefing, subscribe, member):  # noqa: F811
    row = _delivery_for(the_briefing, subscribe(member, the_briefing), member.email)
    event = _event("failed", member.email, event_id="b-1", delivery=row.pk)
    assert _post(event).status_code == 200
    first_bounce = Delivery.objects.get(pk=row.pk).bounced_at
    assert first_bounce is not None and Suppression.objects.filter(email=member.email).exists()
    Suppression.objects.filter(email=member.email).delete()  # staff: the bounce was the provider's mistake
    assert _post(event).status_code == 200  # the same signed request, again
    assert not Suppression.objects.exists()
    assert Delivery.objects.get(pk=row.pk).bounced_at == first_bounce
    assert TrackingEvent.objects.count() == 1


def test_a_replayed_unsubscribe_does_not_undo_the_readers_resubscription(mailgun, the_briefing, subscribe, member):  # noqa: F811
    subscriber = subscribe(member, the_briefing)
    row = _delivery_for(the_briefing, subscriber, member.email)
    event = _event("unsubscribed", member.email, event_id="u-1", delivery=row.pk)
    assert _post(event).status_code == 200
    assert Subscription.objects.get(subscriber=subscriber).status == SubscriptionStatus.UNSUBSCRIBED
    subscribe(member, the_briefing)  # the reader changed their mind on the preferences page
    assert _post(event).status_code == 200
    assert Subscription.objects.get(subscriber=subscriber).status == SubscriptionStatus.ACTIVE


def test_a_forged_webhook_changes_nothing(mailgun, the_briefing, subscribe, member):  # noqa: F811
    subscriber = subscribe(member, the_briefing)
    row = _delivery_for(the_briefing, subscriber, member.email)
    for event in (
        _event("complained", member.email, event_id="f-1", delivery=row.pk, key="guessed-key"),
        _event("unsubscribed", member.email, event_id="f-2", delivery=row.pk, key="guessed-key"),
    ):
        assert _post(event).status_code == 400
        assert _post(event, auth="hook:guess").status_code == 400
    assert not Suppression.objects.exists() and not TrackingEvent.objects.exists()
    assert Subscription.objects.get(subscriber=subscriber).status == SubscriptionStatus.ACTIVE
    assert Delivery.objects.get(pk=row.pk).complained_at is None


def test_an_event_naming_another_readers_delivery_does_not_touch_it(mailgun, the_briefing, subscribe, member, subscriber):  # noqa: F811
    victim = subscribe(subscriber, the_briefing)
    subscribe(member, the_briefing)
    row = _delivery_for(the_briefing, victim, subscriber.email)
    # Correctly signed, but its recipient is not the delivery it names: neither counted nor unsubscribed.
    assert _post(_event("unsubscribed", member.email, event_id="x-1", delivery=row.pk)).status_code == 200
    assert _post(_event("delivered", member.email, event_id="x-2", delivery=row.pk)).status_code == 200
    assert Subscription.objects.get(subscriber=victim).status == SubscriptionStatus.ACTIVE
    assert Delivery.objects.get(pk=row.pk).delivered_at is None
