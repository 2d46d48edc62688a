"""Provider events arrive through anymail's signed webhooks: a hard bounce or a complaint suppresses the
address, and a suppressed address gets nothing. Unknown webhooks and forged signatures get a clear 4xx
and change nothing; a repeated event counts once."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
from django.test import Client

from masthead.newsletters import sending, services
from masthead.newsletters.models import Delivery, Send, SendKind, Suppression, TrackingEvent

SIGNING_KEY = "mailgun-signing-key"
BASIC = "hook:s3cret"


@pytest.fixture
def mailgun(settings):
    settings.EMAIL_BACKEND = "anymail.backends.mailgun.EmailBackend"
    settings.ANYMAIL = {"MAILGUN_API_KEY": "key-test", "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY, "WEBHOOK_SECRET": BASIC}


def _event(kind, recipient, *, event_id="evt-1", delivery=None, severity="permanent", key=SIGNING_KEY):
    timestamp, token = str(int(time.time())), event_id  # Mailgun's event id is its signature token
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {
        "signature": {"timestamp": timestamp, "token": token, "signature": signature},
        "event-data": {
            "event": kind,
            "id": event_id,
            "timestamp": time.time(),
            "recipient": recipient,
            "severity": severity,
            "user-variables": {"delivery": str(delivery)} if delivery else {},
            "message": {"headers": {"message-id": "abc@mailgun"}},
        },
    }


def _post(payload, *, auth=BASIC, path="/newsletters/webhooks/mailgun/tracking/"):
    import base64

    headers = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(auth.encode()).decode()} if auth else {}
    return Client(enforce_csrf_checks=True).post(path, json.dumps(payload), content_type="application/json", **headers)


def test_a_hard_bounce_suppresses_and_a_suppressed_address_gets_nothing(
    smtp_server, mailgun, settings, magazine, the_briefing, subscribe, member, subscriber, django_capture_on_commit_callbacks
):
    subscribe(member, the_briefing)
    subscribe(subscriber, the_briefing)
    assert _post(_event("failed", "member@example.com")).status_code == 200
    assert Suppression.objects.get(email="member@example.com").reason == "bounced"

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    send = Send.objects.create(newsletter=the_briefing, kind=SendKind.ARTICLE, article=magazine.public_article, subject="Hi")
    with django_capture_on_commit_callbacks(execute=True):
        sending.start(send=send)
    assert [m["To"] for m in smtp_server.messages] == ["subscriber@example.com"]


def test_a_complaint_suppresses_and_is_counted_on_its_send(mailgun, magazine, the_briefing, subscribe, member):
    subscriber_row = subscribe(member, the_briefing)
    send = Send.objects.create(newsletter=the_briefing, kind=SendKind.POST, body="<p>x</p>", subject="x")
    delivery = Delivery.objects.create(send=send, subscriber=subscriber_row, email="member@example.com", status="sent")
    for _ in range(3):  # providers repeat events
        assert _post(_event("complained", "member@example.com", event_id="c-1", delivery=delivery.pk)).status_code == 200
    assert Suppression.objects.get(email="member@example.com").reason == "complained"
    assert TrackingEvent.objects.filter(event_id="c-1").count() == 1  # anymail takes the signature token as the id
    delivery.refresh_from_db()
    assert delivery.complained_at is not None


def test_a_soft_bounce_does_not_suppress(mailgun, db):
    assert _post(_event("failed", "member@example.com", severity="temporary")).status_code == 200
    assert not Suppression.objects.exists()


def test_forged_signature_and_missing_secret_are_400_and_change_nothing(mailgun, db):
    assert _post(_event("failed", "member@example.com", key="guessed-key")).status_code == 400
    assert _post(_event("failed", "member@example.com"), auth="hook:wrong").status_code == 400
    assert _post(_event("failed", "member@example.com"), auth="").status_code == 400
    assert not Suppression.objects.exists() and not TrackingEvent.objects.exists()


def test_unknown_webhooks_are_404(mailgun, db):
    for path in ["/newsletters/webhooks/postmark/tracking/", "/newsletters/webhooks/nosuchesp/tracking/"]:
        assert _post(_event("failed", "member@example.com"), path=path).status_code == 404
    assert not Suppression.objects.exists()


def test_with_smtp_there_is_no_webhook_at_all(db):
    assert _post(_event("failed", "member@example.com")).status_code == 404


def test_staff_can_suppress_by_hand(db):
    services.suppress(email=" Member@Example.com ", reason="manual")
    assert services.is_suppressed("member@example.com")
