"""Bad input met mid-send or at the edges gets a named error or a clear 4xx, never a 500 and never a
half-sent send: an address SMTP cannot carry as it stands, a nonsense send number on an unsubscribe
POST, a webhook naming a delivery that cannot exist, an import line no mail server would take."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from masthead.newsletters import delivery, sending, services, tokens
from masthead.newsletters.models import (
    Delivery,
    DeliveryStatus,
    Send,
    SendKind,
    SendStatus,
    Subscriber,
    Subscription,
    SubscriptionStatus,
    TrackingEvent,
)
from masthead.newsletters.tests.test_bounces_and_complaints import BASIC, SIGNING_KEY, _event, _post


@pytest.fixture
def mailgun(settings):
    settings.EMAIL_BACKEND = "anymail.backends.mailgun.EmailBackend"
    settings.ANYMAIL = {"MAILGUN_API_KEY": "key-test", "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY, "WEBHOOK_SECRET": BASIC}


def _reader(newsletter, email):
    subscriber = Subscriber.objects.create(email=email, confirmed_at=timezone.now())
    Subscription.objects.create(subscriber=subscriber, newsletter=newsletter, status=SubscriptionStatus.ACTIVE)
    return subscriber


def _sending(newsletter):
    send = Send.objects.create(newsletter=newsletter, kind=SendKind.POST, subject="Hello", body="<p>A short post.</p>")
    Send.objects.filter(pk=send.pk).update(status=SendStatus.SENDING)
    sending.prepare(send_id=send.pk)
    return send


def test_an_address_with_an_international_domain_is_sent_as_punycode_and_the_batch_goes_on(smtp_server, the_briefing):
    _reader(the_briefing, "first@example.com")
    _reader(the_briefing, "leser@exämple.de")
    _reader(the_briefing, "last@example.com")
    send = _sending(the_briefing)

    progress = delivery.deliver(send.pk)

    assert progress.sent == 3 and progress.unknown == 0
    assert sorted(m["To"] for m in smtp_server.messages) == ["first@example.com", "last@example.com", "leser@xn--exmple-cua.de"]
    assert set(Delivery.objects.filter(send=send).values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert Send.objects.get(pk=send.pk).status == SendStatus.SENT


def test_an_address_smtp_cannot_carry_fails_by_name_and_the_others_are_sent(smtp_server, the_briefing):
    _reader(the_briefing, "first@example.com")
    odd = _reader(the_briefing, '"to,two"@example.com')
    _reader(the_briefing, "last@example.com")
    send = _sending(the_briefing)

    progress = delivery.deliver(send.pk)

    assert progress.sent == 2 and progress.failed == 1 and progress.unknown == 0
    failed = Delivery.objects.get(send=send, subscriber=odd)
    assert failed.status == DeliveryStatus.FAILED and "not a single address" in failed.error
    assert Send.objects.get(pk=send.pk).status == SendStatus.SENT


def test_an_unsubscribe_post_with_a_nonsense_send_number_still_unsubscribes(the_briefing, subscribe, member):
    subscriber = subscribe(member, the_briefing)
    token = tokens.unsubscribe_token(subscriber.pk, the_briefing.pk)
    url = f"/newsletters/unsubscribe/{token}/?send={'9' * 30}"

    for _ in range(2):  # a replay changes nothing and still answers 200
        response = Client(enforce_csrf_checks=True).post(url, {"List-Unsubscribe": "One-Click"})
        assert response.status_code == 200
    assert Subscription.objects.get(subscriber=subscriber).status == SubscriptionStatus.UNSUBSCRIBED


@pytest.mark.parametrize("delivery_id", ["9" * 30, "0", "-1"])
def test_a_webhook_naming_a_delivery_that_cannot_exist_is_stored_and_answered(mailgun, db, delivery_id):
    payload = _event("delivered", "member@example.com", event_id=f"e-{delivery_id}")
    payload["event-data"]["user-variables"] = {"delivery": delivery_id}
    assert _post(payload).status_code == 200
    assert TrackingEvent.objects.filter(event_id=f"e-{delivery_id}").count() == 1


def test_a_webhook_body_that_is_not_json_is_a_400(mailgun, db):
    import base64

    from masthead.newsletters.tests.test_bounces_and_complaints import BASIC

    response = Client().post(
        "/newsletters/webhooks/mailgun/tracking/",
        "this is not json",
        content_type="application/json",
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(BASIC.encode()).decode(),
    )
    assert response.status_code == 400
    assert not TrackingEvent.objects.exists()


@pytest.mark.parametrize(
    "line",
    ['"to,two"@example.com', '"a<b>"@example.com', "reader@[127.0.0.1]", '"ctl\x01"@example.com'],
)
def test_an_import_line_no_mail_server_would_take_is_named(the_briefing, line):
    with pytest.raises(services.ImportRejected) as rejected:
        services.import_subscribers(newsletter=the_briefing, text=f"good@example.com\n{line}\n")
    assert "line 2" in str(rejected.value)
    assert not Subscriber.objects.exists()
