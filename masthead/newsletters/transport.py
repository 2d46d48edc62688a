"""Handing one personalised message to Django's email backend.

Two ways, one outcome per recipient (sent, failed, retry, unknown):

* Django's SMTP backend (the default): the message is assembled as bytes once
  per segment, with the per-recipient values as tokens, and each recipient's
  copy is a join of the pieces sent over the backend's own connection (its
  host, port, TLS and login settings). Building a MIME tree per recipient costs
  more than the SMTP transfer itself (docs/benchmarks.md).
* Any other backend (django-anymail's providers, console, locmem): a Django
  EmailMultiAlternatives per recipient, with metadata the provider's tracking
  webhooks send back, and tracking switched as the newsletter says.
"""

from __future__ import annotations

import secrets
import smtplib
import textwrap
from dataclasses import dataclass
from email.header import Header
from email.utils import format_datetime, formataddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.urls import reverse
from django.utils import timezone

from masthead.newsletters import tokens
from masthead.newsletters.models import Newsletter, message_id_for
from masthead.newsletters.rendering import Rendered

SENT, FAILED, RETRY, UNKNOWN = "sent", "failed", "retry", "unknown"


@dataclass(frozen=True)
class Recipient:
    delivery_id: int
    send_id: int
    subscriber_id: int
    email: str

    @property
    def message_id(self) -> str:
        return message_id_for(self.send_id, self.delivery_id)


@dataclass(frozen=True)
class Outcome:
    status: str
    error: str = ""
    provider_id: str = ""


def unsubscribe_url(subscriber_id: int, newsletter_id: int, send_id: int | None = None) -> str:
    token = tokens.unsubscribe_token(subscriber_id, newsletter_id)
    # ?send= only attributes the unsubscribe to a send's count; the signed token is what acts.
    return settings.SITE_URL + reverse("newsletters:unsubscribe", args=[token]) + (f"?send={send_id}" if send_id else "")


def preferences_url(subscriber_id: int) -> str:
    return settings.SITE_URL + reverse("newsletters:preferences", args=[tokens.preferences_token(subscriber_id)])


def unsubscribe_mailto(subscriber_id: int, newsletter_id: int) -> str:
    local, domain = settings.NEWSLETTER_UNSUBSCRIBE_MAILTO.split("@")
    return f"mailto:{local}+{tokens.unsubscribe_token(subscriber_id, newsletter_id)}@{domain}?subject=unsubscribe"


def list_headers(recipient: Recipient, newsletter: Newsletter) -> dict[str, str]:
    """RFC 2369/8058: an https URL for one-click POST and a mailto, both naming the reader and the list."""
    return {
        "List-Id": f"{newsletter.name} <{newsletter.slug}.{settings.NEWSLETTER_MESSAGE_ID_DOMAIN}>",
        "List-Unsubscribe": (
            f"<{unsubscribe_url(recipient.subscriber_id, newsletter.pk, recipient.send_id)}>, "
            f"<{unsubscribe_mailto(recipient.subscriber_id, newsletter.pk)}>"
        ),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def body_values(recipient: Recipient, newsletter: Newsletter, rendered: Rendered) -> dict[str, str]:
    return {
        rendered.tokens.unsubscribe: unsubscribe_url(recipient.subscriber_id, newsletter.pk, recipient.send_id),
        rendered.tokens.preferences: preferences_url(recipient.subscriber_id),
    }


def smtp_address(email: str) -> str:
    """The address as plain SMTP (no SMTPUTF8) carries it: an international domain as punycode.

    Raises ValueError, naming the address, for what cannot go as one plain address.
    """
    if any(c in email for c in '\r\n<>,"') or not email.isprintable():
        raise ValueError(f"{email!r} is not a single address")
    if email.isascii():
        return email
    local, _, domain = email.rpartition("@")
    if not local.isascii():
        raise ValueError(f"{email!r} has a non-ASCII name before the @: the mail server would need SMTPUTF8")
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError as exc:
        raise ValueError(f"{email!r} has a domain that is not a valid international name ({exc})") from exc


def _wrap_text(text: str) -> str:
    # Plain-text lines stay under SMTP's 998-byte limit; URLs are never broken.
    lines = []
    for line in text.splitlines():
        lines.extend(textwrap.wrap(line, 78, break_long_words=False, break_on_hyphens=False) or [""])
    return "\r\n".join(lines)


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


class _Template:
    """One segment's message as byte pieces between per-recipient slots."""

    SLOTS = ("to", "message_id", "list_unsubscribe", "unsubscribe", "preferences")

    def __init__(self, rendered: Rendered, newsletter: Newsletter) -> None:
        marks = {slot: f"\x00{slot}\x00" for slot in self.SLOTS}
        subject = rendered.subject if rendered.subject.isascii() else Header(rendered.subject, "utf-8").encode()
        boundary = f"=_mh{secrets.token_hex(12)}"
        headers = [
            ("From", formataddr((newsletter.sender_name, newsletter.sender_email), charset="utf-8")),
            ("To", marks["to"]),
            ("Subject", subject),
            ("Date", format_datetime(timezone.now())),
            ("Message-ID", marks["message_id"]),
            ("List-Id", f"{newsletter.name} <{newsletter.slug}.{settings.NEWSLETTER_MESSAGE_ID_DOMAIN}>"),
            ("List-Unsubscribe", marks["list_unsubscribe"]),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
            ("MIME-Version", "1.0"),
            ("Content-Type", f'multipart/alternative; boundary="{boundary}"'),
        ]
        if newsletter.reply_to:
            headers.insert(2, ("Reply-To", newsletter.reply_to))
        head = "".join(f"{name}: {_crlf(value)}\r\n" for name, value in headers)
        text = _wrap_text(
            rendered.text.replace(rendered.tokens.unsubscribe, marks["unsubscribe"]).replace(
                rendered.tokens.preferences, marks["preferences"]
            )
        )
        html = _crlf(
            rendered.html.replace(rendered.tokens.unsubscribe, marks["unsubscribe"]).replace(
                rendered.tokens.preferences, marks["preferences"]
            )
        )
        body = (
            f'\r\n--{boundary}\r\nContent-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'
            f'{text}\r\n--{boundary}\r\nContent-Type: text/html; charset="utf-8"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'
            f"{html}\r\n--{boundary}--\r\n"
        )
        whole = (head + body).encode()
        # Split into constant pieces and slot names: personalising is then one join.
        self.pieces: list[bytes | str] = []
        rest = whole
        while True:
            positions = [(rest.find(mark.encode()), slot) for slot, mark in marks.items() if mark.encode() in rest]
            if not positions:
                self.pieces.append(rest)
                break
            position, slot = min(positions)
            self.pieces.append(rest[:position])
            self.pieces.append(slot)
            rest = rest[position + len(marks[slot].encode()) :]
        self.size = len(whole)

    def personalise(self, values: dict[str, bytes]) -> bytes:
        return b"".join(values[piece] if isinstance(piece, str) else piece for piece in self.pieces)


class Transport:
    """Sends one send's messages over one backend connection; use as a context manager."""

    def __init__(self, newsletter: Newsletter) -> None:
        self.newsletter = newsletter
        self.connection: Any = get_connection()
        self.raw = isinstance(self.connection, SMTPBackend)
        self._templates: dict[int, _Template] = {}

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.connection.close()
        except Exception:  # noqa: BLE001, S110 - closing a broken connection must not hide the real error
            pass

    def size(self, rendered: Rendered) -> int:
        return self._template(rendered).size

    def _template(self, rendered: Rendered) -> _Template:
        template = self._templates.get(id(rendered))
        if template is None:
            template = self._templates[id(rendered)] = _Template(rendered, self.newsletter)
        return template

    def raw_message(self, recipient: Recipient, rendered: Rendered) -> bytes:
        headers = list_headers(recipient, self.newsletter)
        values = body_values(recipient, self.newsletter, rendered)
        return self._template(rendered).personalise(
            {
                "to": smtp_address(recipient.email).encode(),
                "message_id": recipient.message_id.encode(),
                "list_unsubscribe": headers["List-Unsubscribe"].encode(),
                "unsubscribe": values[rendered.tokens.unsubscribe].encode(),
                "preferences": values[rendered.tokens.preferences].encode(),
            }
        )

    def send(self, recipient: Recipient, rendered: Rendered) -> Outcome:
        if self.raw:
            return self._send_raw(recipient, rendered)
        return self._send_message(recipient, rendered)

    def _send_raw(self, recipient: Recipient, rendered: Rendered) -> Outcome:
        try:
            data = self.raw_message(recipient, rendered)
            address = smtp_address(recipient.email)
            sender = smtp_address(self.newsletter.sender_email)
        except ValueError as exc:
            return Outcome(FAILED, str(exc))
        if self.connection.connection is None:
            try:
                self.connection.open()
            except (OSError, smtplib.SMTPException) as exc:
                # Nothing was handed over: the row can wait for another try.
                return Outcome(RETRY, f"could not connect to the mail server: {exc}")
        smtp = self.connection.connection
        try:
            refused = smtp.sendmail(sender, [address], data)
        except smtplib.SMTPRecipientsRefused as exc:
            return Outcome(FAILED, _reason(exc.recipients.get(address)))
        except smtplib.SMTPSenderRefused as exc:
            return Outcome(RETRY, f"sender refused: {exc.smtp_code} {exc.smtp_error!r}")
        except smtplib.SMTPDataError as exc:
            return Outcome(FAILED if 500 <= exc.smtp_code < 600 else RETRY, f"{exc.smtp_code} {exc.smtp_error!r}")
        except (OSError, smtplib.SMTPException) as exc:
            # The connection broke while the message was on its way: it may have been accepted.
            self.connection.connection = None
            return Outcome(UNKNOWN, f"connection lost mid-message: {exc}")
        if refused:
            return Outcome(FAILED, _reason(refused.get(address)))
        return Outcome(SENT)

    def message(self, recipient: Recipient, rendered: Rendered) -> EmailMultiAlternatives:
        html, text = rendered.personalise(body_values(recipient, self.newsletter, rendered))
        headers = {"Message-ID": recipient.message_id, **list_headers(recipient, self.newsletter)}
        message = EmailMultiAlternatives(
            subject=rendered.subject,
            body=text,
            from_email=self.newsletter.from_header,
            to=[recipient.email],
            reply_to=[self.newsletter.reply_to] if self.newsletter.reply_to else None,
            headers=headers,
            connection=self.connection,
        )
        message.attach_alternative(html, "text/html")
        # Read by django-anymail's backends; other backends ignore them.
        message.metadata = {"delivery": str(recipient.delivery_id), "send": str(recipient.send_id)}  # type: ignore[attr-defined]
        message.track_opens = self.newsletter.track_opens  # type: ignore[attr-defined]
        message.track_clicks = self.newsletter.track_clicks  # type: ignore[attr-defined]
        message.tags = [f"newsletter-{self.newsletter.slug}"]  # type: ignore[attr-defined]
        return message

    def _send_message(self, recipient: Recipient, rendered: Rendered) -> Outcome:
        from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused, AnymailRequestsAPIError

        message = self.message(recipient, rendered)
        try:
            sent = self.connection.send_messages([message])
        except AnymailRecipientsRefused as exc:
            return Outcome(FAILED, str(exc)[:500])
        except AnymailRequestsAPIError as exc:
            status = getattr(exc, "status_code", None) or 0
            # A 4xx other than rate limiting is the provider's final word; 5xx and 429 may pass later.
            if 400 <= status < 500 and status != 429:
                return Outcome(FAILED, str(exc)[:500])
            return Outcome(UNKNOWN if status == 0 else RETRY, str(exc)[:500])
        except AnymailAPIError as exc:
            return Outcome(RETRY, str(exc)[:500])
        except (OSError, smtplib.SMTPException) as exc:
            return Outcome(UNKNOWN, str(exc)[:500])
        if not sent:
            return Outcome(FAILED, "the backend accepted nothing")
        status = getattr(message, "anymail_status", None)
        found = getattr(status, "message_id", None) if status is not None else None
        provider_id = "" if found is None else str(found)
        return Outcome(SENT, provider_id=provider_id[:200])


def _reason(answer: Any) -> str:
    if isinstance(answer, tuple) and len(answer) == 2:
        code, text = answer
        return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"[:500]
    return "refused by the mail server"
