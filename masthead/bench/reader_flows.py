"""What readers do over HTTP, as a browser would do it: sign in, sign up by emailed link, subscribe with a card.

Written against requests' Session API, so the scale demo's test drives them with `requests` and the load
test (masthead/bench/loadtest/locustfile.py) with locust's HttpSession (a requests.Session). The card goes
to localstripe as Stripe.js sends it (the publishable key only), never to the site.
"""

from __future__ import annotations

import json
import mailbox
import re
import time
from email.message import Message
from pathlib import Path
from typing import Any

import requests

CARD_VISA = "4242424242424242"
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CLIENT_SECRET = re.compile(r'data-client-secret="([^"]+)"')
PUBLISHABLE_KEY = re.compile(r'data-publishable-key="([^"]+)"')
SIGN_IN_LINK = re.compile(r"(https?://[^\s]+/account/link/[^\s/]+/)")


class FlowError(AssertionError):
    """A step answered something a browser would show as a failure; says which step and what came back."""


def _check(response: Any, step: str, *expected: int) -> Any:
    if response.status_code not in expected:
        raise FlowError(f"{step}: HTTP {response.status_code} from {response.url} (expected {', '.join(map(str, expected))})")
    return response


def post_form(session: Any, base: str, path: str, data: dict[str, str], *, name: str | None = None) -> Any:
    """GET the form's page for its CSRF token, then POST it as the browser would (Referer included)."""
    page = _check(session.get(base + path, **({"name": name} if name else {})), f"GET {path}", 200)
    found = CSRF_FIELD.search(page.text)
    if found is None:
        raise FlowError(f"GET {path}: no CSRF token in the form")
    body = {"csrfmiddlewaretoken": found.group(1), **data}
    headers = {"Referer": base + path}
    kwargs: dict[str, Any] = {"data": body, "headers": headers, "allow_redirects": False}
    if name:
        kwargs["name"] = name + " [POST]"
    return session.post(base + path, **kwargs)


def sign_in(session: Any, base: str, email: str, password: str) -> None:
    answer = post_form(
        session, base, "/account/signin/", {"email": email, "password": password}, name=_name(session, "/account/signin/")
    )
    _check(answer, "sign in", 302)
    if "sessionid" not in session.cookies:
        raise FlowError("sign in: redirected but no session cookie was set")


def sign_up(session: Any, base: str, email: str, maildir: Path, *, timeout: float = 60) -> None:
    """Sign up by the emailed link: ask for it, read it from the demo's mailbox, open it, press the button."""
    answer = post_form(session, base, "/account/signup/", {"email": email}, name=_name(session, "/account/signup/"))
    _check(answer, "sign up", 200)
    link = wait_for_link(maildir, email, timeout=timeout)
    # The link page shows a button; the POST signs in (mail scanners' GETs spend nothing).
    path = link.split("://", 1)[1].split("/", 1)[1]
    answer = post_form(session, base, "/" + path, {}, name=_name(session, "/account/link/[token]/"))
    _check(answer, "sign-in link", 302)
    if "sessionid" not in session.cookies:
        raise FlowError("sign-in link: redirected but no session cookie was set")


def _body(message: Message) -> str:
    parts = message.walk() if message.is_multipart() else [message]
    texts = []
    for part in parts:
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                texts.append(payload.decode(part.get_content_charset() or "utf-8", "replace"))
    return "\n".join(texts)


def wait_for_link(maildir: Path, email: str, *, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        box = mailbox.Maildir(str(maildir), create=False) if (maildir / "new").exists() else None
        for key in box.keys() if box else []:
            try:
                message = box[key]  # type: ignore[index]
            except (KeyError, FileNotFoundError):
                continue  # the sink trims old messages
            if email.lower() in (message.get("To") or "").lower():
                found = SIGN_IN_LINK.search(_body(message))
                if found:
                    return found.group(1)
        time.sleep(0.2)
    raise FlowError(f"sign up: no sign-in link for {email} reached {maildir} within {timeout:.0f} s")


def subscribe(session: Any, base: str, stripe_url: str, plan: str, *, card: str = CARD_VISA) -> None:
    """The subscribe page, the card confirmed at (local)stripe as Stripe.js does it, the form posted back."""
    path = f"/billing/subscribe/{plan}/"
    page = _check(session.get(base + path, **_kw(session, "/billing/subscribe/[plan]/")), "subscribe page", 200)
    secret = CLIENT_SECRET.search(page.text)
    key = PUBLISHABLE_KEY.search(page.text)
    token = CSRF_FIELD.search(page.text)
    if not (secret and key and token):
        raise FlowError("subscribe page: no card form (client secret, publishable key, CSRF token)")
    intent = secret.group(1).split("_secret_")[0]
    body = {
        "key": key.group(1),
        "use_stripe_sdk": True,
        "client_secret": secret.group(1),
        "payment_method_data": {"type": "card", "card": {"number": card, "exp_month": "12", "exp_year": "2030", "cvc": "123"}},
    }
    confirm = requests.post(f"{stripe_url}/v1/setup_intents/{intent}/confirm", data=json.dumps(body), timeout=30)
    if confirm.status_code != 200:
        raise FlowError(f"card confirmation at localstripe: HTTP {confirm.status_code}: {confirm.text[:200]}")
    answer = session.post(
        base + path,
        data={"csrfmiddlewaretoken": token.group(1), "setup_intent": intent, "next": "/billing/account/"},
        headers={"Referer": base + path},
        allow_redirects=False,
        **_kw(session, "/billing/subscribe/[plan]/ [POST]"),
    )
    if answer.status_code != 302:
        error = re.search(r'id="card-errors"[^>]*>([^<]*)<', answer.text)
        raise FlowError(f"subscribe: HTTP {answer.status_code}: {error.group(1) if error else answer.text[:200]}")


def _kw(session: Any, name: str) -> dict[str, str]:
    return {"name": name} if _is_locust(session) else {}


def _name(session: Any, name: str) -> str | None:
    return name if _is_locust(session) else None


def _is_locust(session: Any) -> bool:
    # locust's HttpSession groups requests in its report by a `name`; requests' own Session takes no such argument.
    return type(session).__module__.startswith("locust")
