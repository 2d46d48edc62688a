"""Signed links sent by email: sign-in (15 minutes, single use) and email change.

A token carries the address and a fingerprint of the account's state (last
login, password hash, email). Using a sign-in link logs the reader in, which
changes last_login, so the same link no longer verifies later. A link for an
address with no account yet carries the state "new"; once the account exists
the link is spent too.

The fingerprint alone cannot stop requests that arrive together: each reads
the state before any has logged in (ten simultaneous POSTs of one link gave
two sessions). So using a link also claims it in the shared counters
(masthead.core.counters.claim): one claim per token, whichever worker wins.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing

from masthead.core import counters

SIGN_IN_MAX_AGE = 15 * 60
EMAIL_CHANGE_MAX_AGE = 24 * 3600
_SALT = "masthead.members.tokens"


class TokenError(ValueError):
    """The link is expired, already used, or altered; the message is shown to the reader."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def user_for_email(email: str) -> Any:
    return get_user_model().objects.filter(email__iexact=normalise_email(email), is_active=True).order_by("pk").first()


def account_state(user: Any) -> str:
    if user is None:
        return "new"
    material = f"{user.pk}|{user.last_login}|{user.password}|{user.email}|{settings.SECRET_KEY}"
    return hashlib.sha256(material.encode()).hexdigest()[:24]


def make_sign_in_token(email: str, *, next_url: str = "") -> str:
    email = normalise_email(email)
    payload = {"p": "signin", "e": email, "s": account_state(user_for_email(email)), "n": next_url}
    return signing.dumps(payload, salt=_SALT, compress=True)


def read_sign_in_token(token: str) -> dict[str, str]:
    """The payload of a valid, unexpired, unused sign-in token, else TokenError."""
    payload = _load(token, SIGN_IN_MAX_AGE, "signin")
    if payload["s"] != account_state(user_for_email(payload["e"])):
        raise TokenError("This sign-in link has already been used. Ask for a new one below.")
    return payload


def spend_sign_in_token(token: str) -> dict[str, str]:
    """read_sign_in_token, and the link is used up: of any number of requests racing with it, one gets the payload."""
    payload = read_sign_in_token(token)
    _spend("signin", token, SIGN_IN_MAX_AGE, "This sign-in link has already been used. Ask for a new one below.")
    return payload


def make_email_change_token(user: Any, new_email: str) -> str:
    payload = {"p": "email", "u": user.pk, "e": normalise_email(new_email), "s": account_state(user)}
    return signing.dumps(payload, salt=_SALT, compress=True)


def read_email_change_token(token: str) -> tuple[Any, str]:
    payload = _load(token, EMAIL_CHANGE_MAX_AGE, "email")
    user = get_user_model().objects.filter(pk=payload["u"], is_active=True).first()
    if user is None or payload["s"] != account_state(user):
        raise TokenError("This confirmation link has already been used or the account has changed since.")
    return user, payload["e"]


def spend_email_change_token(token: str) -> tuple[Any, str]:
    user, new_email = read_email_change_token(token)
    _spend("email", token, EMAIL_CHANGE_MAX_AGE, "This confirmation link has already been used.")
    return user, new_email


def _spend(purpose: str, token: str, max_age: int, used: str) -> None:
    # Kept as long as the link could still verify; after that its signature has expired anyway.
    key = f"spent-link:{purpose}:{hashlib.sha256(token.encode()).hexdigest()[:40]}"
    if not counters.claim(key, timedelta(seconds=max_age)):
        raise TokenError(used)


def _load(token: str, max_age: int, purpose: str) -> dict[str, Any]:
    try:
        payload = signing.loads(token, salt=_SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise TokenError(f"This link has expired: links work for {max_age // 60} minutes. Ask for a new one below.") from exc
    except signing.BadSignature as exc:
        raise TokenError("This link is not valid: it may have been cut short by your email program.") from exc
    if not isinstance(payload, dict) or payload.get("p") != purpose:
        raise TokenError("This link is not valid for this page.")
    return payload
