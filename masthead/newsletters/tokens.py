"""Signed links in every newsletter: unsubscribe from one newsletter, and the preferences page.

They never expire (an unsubscribe link in a two-year-old email must still
work) and carry no sign-in: they only let the holder change what that address
receives. Only [a-z0-9.-] appear, so the same token fits a URL path and the
local part of the mailto: address in List-Unsubscribe.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from django.conf import settings

_UNSUBSCRIBE = re.compile(r"^s(\d{1,18})n(\d{1,18})-([a-z2-7]{26})$")
_PREFERENCES = re.compile(r"^s(\d{1,18})-([a-z2-7]{26})$")


class BadToken(ValueError):
    """The link was altered, cut short, or made with another key."""


def _signature(message: str) -> str:
    key = hashlib.sha256(f"masthead.newsletters|{settings.SECRET_KEY}".encode()).digest()
    digest = hmac.new(key, message.encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode().lower()[:26]  # 130 bits


def unsubscribe_token(subscriber_id: int, newsletter_id: int) -> str:
    return f"s{subscriber_id}n{newsletter_id}-{_signature(f'unsubscribe:{subscriber_id}:{newsletter_id}')}"


def read_unsubscribe_token(token: str) -> tuple[int, int]:
    match = _UNSUBSCRIBE.match(token.strip().lower())
    if not match:
        raise BadToken("This unsubscribe link is not complete: it may have been cut short by your email program.")
    subscriber_id, newsletter_id, signature = int(match[1]), int(match[2]), match[3]
    if not hmac.compare_digest(signature, _signature(f"unsubscribe:{subscriber_id}:{newsletter_id}")):
        raise BadToken("This unsubscribe link is not valid.")
    return subscriber_id, newsletter_id


def preferences_token(subscriber_id: int) -> str:
    return f"s{subscriber_id}-{_signature(f'preferences:{subscriber_id}')}"


def read_preferences_token(token: str) -> int:
    match = _PREFERENCES.match(token.strip().lower())
    if not match:
        raise BadToken("This link is not complete: it may have been cut short by your email program.")
    subscriber_id, signature = int(match[1]), match[2]
    if not hmac.compare_digest(signature, _signature(f"preferences:{subscriber_id}")):
        raise BadToken("This link is not valid.")
    return subscriber_id
