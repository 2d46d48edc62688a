"""A real localstripe process on loopback, for tests and the offline demo.

localstripe is a stateful fake Stripe server (PyPI). Upstream it pickles its
whole store to the fixed path /tmp/localstripe.pickle after every write, which
would make parallel test runs share and clobber one file, so the process is
started through localstripe_server, which keeps its state in memory only.

Run by hand (the demo does): ``python -m masthead.testing.localstripe_server --port 8420``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

HOST = "127.0.0.1"
SECRET_KEY = "sk_test_masthead_localstripe"
PUBLISHABLE_KEY = "pk_test_masthead_localstripe"
WEBHOOK_SECRET = "whsec_masthead_localstripe_tests"


def _free_port(candidates: range) -> int:
    for port in candidates:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((HOST, port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port for localstripe in {candidates}")


@dataclass
class LocalStripe:
    url: str
    process: subprocess.Popen[bytes]

    def flush(self) -> None:
        req = urllib.request.Request(self.url + "/_config/data", method="DELETE")  # noqa: S310
        urllib.request.urlopen(req, timeout=5).close()  # noqa: S310 - loopback URL we started

    def register_webhook(self, url: str, secret: str = WEBHOOK_SECRET, name: str = "masthead") -> None:
        data = f"url={url}&secret={secret}".encode()
        req = urllib.request.Request(self.url + f"/_config/webhooks/{name}", data=data, method="POST")  # noqa: S310
        urllib.request.urlopen(req, timeout=5).close()  # noqa: S310


def start(port: int) -> LocalStripe:
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "masthead.testing.localstripe_server", "--port", str(port), "--from-scratch"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    url = f"http://{HOST}:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"localstripe exited with {proc.returncode} before listening on {url}")
        try:
            urllib.request.urlopen(url + "/js.stripe.com/v3/", timeout=1).close()  # noqa: S310
            return LocalStripe(url, proc)
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"localstripe did not answer on {url} within 20 s")


@pytest.fixture(scope="session")
def localstripe_server() -> Iterator[LocalStripe]:
    """One localstripe for the test session, on a free port of the billing range."""
    server = start(_free_port(range(8140, 8150)))
    try:
        yield server
    finally:
        server.process.terminate()
        try:
            server.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.process.kill()


@pytest.fixture
def localstripe(localstripe_server: LocalStripe, settings: Any) -> LocalStripe:
    """Point the Stripe client at the session's localstripe, with test keys."""
    settings.STRIPE_API_BASE = localstripe_server.url
    settings.STRIPE_JS_URL = localstripe_server.url + "/js.stripe.com/v3/"
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = PUBLISHABLE_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return localstripe_server
