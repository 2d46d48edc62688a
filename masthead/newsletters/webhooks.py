"""What providers tell us after sending, through django-anymail's signed webhooks.

anymail verifies each webhook (its shared secret, and the provider's signature
where there is one) before these receivers run; a forged or unknown one is
answered 400/404 by anymail and never reaches them. Providers repeat events,
so each (provider, event id) is handled once. A hard bounce or a complaint
suppresses the address: no newsletter goes there again.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from masthead.newsletters import services, tokens
from masthead.newsletters.models import Delivery, SuppressionReason, TrackingEvent
from masthead.newsletters.transport import smtp_address

log = logging.getLogger(__name__)


def _event_id(event: Any, esp_name: str) -> str:
    if event.event_id:
        return str(event.event_id)[:200]
    # Some providers send no id: the event's own facts make one, so a repeat still matches.
    facts = f"{esp_name}|{event.event_type}|{event.message_id}|{event.recipient}|{event.timestamp}"
    return "derived-" + hashlib.sha256(facts.encode()).hexdigest()[:40]


def _delivery(event: Any) -> Delivery | None:
    """The delivery the event is about, only if the event's recipient is that delivery's address: an event
    naming one reader's delivery and another's address (a mix-up, or a crafted event) counts on neither,
    and can never unsubscribe the reader it names."""
    metadata = event.metadata or {}
    pk = str(metadata.get("delivery", ""))
    found = None
    if pk.isdigit():
        found = Delivery.objects.filter(pk=int(pk)).select_related("send").first()
    if found is None and event.message_id:
        found = Delivery.objects.filter(provider_id=str(event.message_id)[:200]).select_related("send").first()
    if found is not None and event.recipient and not _same_address(str(event.recipient), found.email):
        log.warning("tracking event for %s names delivery %s of another address: not counted", event.recipient, found.pk)
        return None
    return found


def _same_address(reported: str, ours: str) -> bool:
    """Providers report the address as it went out: an international domain as punycode."""
    reported = services.normalise(reported)
    try:
        return reported in (services.normalise(ours), services.normalise(smtp_address(ours)))
    except ValueError:
        return reported == services.normalise(ours)


def on_tracking(sender: Any, event: Any, esp_name: str, **_: Any) -> None:
    with transaction.atomic():
        try:
            with transaction.atomic():
                TrackingEvent.objects.create(
                    esp=esp_name[:40],
                    event_id=_event_id(event, esp_name),
                    event_type=str(event.event_type)[:32],
                    recipient=str(event.recipient or "")[:254],
                    message_id=str(event.message_id or "")[:200],
                )
        except IntegrityError:
            return  # seen before
        delivery = _delivery(event)
        recipient = event.recipient or (delivery.email if delivery else "")
        now = timezone.now()
        kind = event.event_type
        if kind == "rejected" and event.reject_reason in ("bounced", "invalid", "spam"):
            kind = "complained" if event.reject_reason == "spam" else "bounced"
        if kind == "bounced" and recipient:
            services.suppress(
                email=recipient, reason=SuppressionReason.BOUNCED, detail=str(event.mta_response or event.description or "")
            )
            if delivery:
                Delivery.objects.filter(pk=delivery.pk, bounced_at__isnull=True).update(bounced_at=now)
        elif kind == "complained" and recipient:
            services.suppress(email=recipient, reason=SuppressionReason.COMPLAINED, detail=f"complaint reported by {esp_name}")
            if delivery:
                Delivery.objects.filter(pk=delivery.pk, complained_at__isnull=True).update(complained_at=now)
        elif kind == "delivered" and delivery:
            Delivery.objects.filter(pk=delivery.pk, delivered_at__isnull=True).update(delivered_at=now)
        elif kind == "unsubscribed" and delivery:
            services.unsubscribe(
                subscriber_id=delivery.subscriber_id, newsletter_id=delivery.send.newsletter_id, send=delivery.send
            )


def on_inbound(sender: Any, event: Any, esp_name: str, **_: Any) -> None:
    """Mail to unsubscribe+<token>@…: the mailto: half of List-Unsubscribe."""
    message = event.message
    if message is None:
        return
    mailbox, _at, domain = settings.NEWSLETTER_UNSUBSCRIBE_MAILTO.lower().partition("@")
    for address in [*(message.to or []), *([message.envelope_recipient] if message.envelope_recipient else [])]:
        addr = str(getattr(address, "addr_spec", address)).lower()
        box, _sep, at = addr.partition("@")
        if at != domain or not box.startswith(mailbox + "+"):
            continue
        try:
            subscriber_id, newsletter_id = tokens.read_unsubscribe_token(box[len(mailbox) + 1 :])
        except tokens.BadToken:
            log.info("inbound unsubscribe with a bad token to %s", addr)
            continue
        services.unsubscribe(subscriber_id=subscriber_id, newsletter_id=newsletter_id)
