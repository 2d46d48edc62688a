"""Through a django-anymail provider each message is a Django EmailMessage carrying the list headers,
metadata that tracking webhooks send back, and tracking switched as the newsletter says (off by default)."""

from __future__ import annotations

from django.core import mail

from masthead.newsletters import sending
from masthead.newsletters.models import Delivery, Send, SendKind


def _send(newsletter, capture):
    send = Send.objects.create(newsletter=newsletter, kind=SendKind.POST, subject="Hello", body="<p>Hello readers.</p>")
    with capture(execute=True):
        sending.start(send=send)
    return send


def test_a_provider_gets_headers_metadata_and_no_tracking_by_default(
    settings, the_briefing, subscribe, member, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    subscribe(member, the_briefing)
    send = _send(the_briefing, django_capture_on_commit_callbacks)
    [message] = mail.outbox
    delivery = Delivery.objects.get(send=send)
    assert message.to == ["member@example.com"]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["Message-ID"] == delivery.message_id
    params = message.anymail_test_params
    assert params["metadata"] == {"delivery": str(delivery.pk), "send": str(send.pk)}
    assert params["track_opens"] is False and params["track_clicks"] is False
    assert delivery.status == "sent" and delivery.provider_id  # the provider's id, to match its events


def test_tracking_can_be_switched_on_per_newsletter(
    settings, the_briefing, subscribe, member, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    the_briefing.track_opens = the_briefing.track_clicks = True
    the_briefing.save()
    subscribe(member, the_briefing)
    _send(the_briefing, django_capture_on_commit_callbacks)
    params = mail.outbox[0].anymail_test_params
    assert params["track_opens"] is True and params["track_clicks"] is True
