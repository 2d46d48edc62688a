"""A real SMTP server on loopback for tests: Django sends through its smtp backend, aiosmtpd receives.

def test_x(smtp_server, client):
    ...
    [message] = smtp_server.messages          # email.message.EmailMessage
    smtp_server.links()                       # every http(s) URL in the bodies
"""

from __future__ import annotations

import email
import email.policy
import re
import socket
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


class _Collector:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.received = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self.received:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.received.notify_all()
        return "250 Message accepted for delivery"


class SMTPServer:
    def __init__(self, controller: Controller, collector: _Collector) -> None:
        self.controller = controller
        self.collector = collector
        self.host, self.port = controller.hostname, controller.port

    @property
    def messages(self) -> list[EmailMessage]:
        return self.collector.messages

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

    @staticmethod
    def body(message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("plain", "html"))
        return str(part.get_content() if part is not None else message.get_content())

    def links(self, message: EmailMessage | None = None) -> list[str]:
        bodies = [self.body(message)] if message is not None else [self.body(m) for m in self.messages]
        return [link for body in bodies for link in re.findall(r"https?://\S+", body)]

    def clear(self) -> None:
        self.collector.messages.clear()
        self.collector.envelopes.clear()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[SMTPServer]:
    collector = _Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = controller.hostname, controller.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    try:
        yield SMTPServer(controller, collector)
    finally:
        controller.stop()
