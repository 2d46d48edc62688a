"""Cache-based limits on sign-in attempts and on emails we send to an address.

Counted per email address and per client IP, whether or not the address has
an account, so a limit never reveals which addresses are registered. With
REDIS_URL the counts are shared by every worker; with the embedded local
cache each worker process counts on its own.
"""

from __future__ import annotations

import hashlib
from functools import cache as memoize
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpRequest

from masthead.core.http import client_ip

WINDOW_SECONDS = 15 * 60


@memoize
def _store() -> Any:
    # The embedded page cache empties the whole local-memory cache on every
    # publish; counters kept there would reset whenever an editor publishes.
    if "LocMemCache" in settings.CACHES["default"]["BACKEND"]:
        return LocMemCache("masthead-throttle", {"OPTIONS": {"MAX_ENTRIES": 20000}})
    return caches["default"]


PER_EMAIL = 5
PER_IP = 20


def _keys(action: str, request: HttpRequest, email: str) -> list[tuple[str, int]]:
    email_hash = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return [(f"throttle:{action}:email:{email_hash}", PER_EMAIL), (f"throttle:{action}:ip:{client_ip(request)}", PER_IP)]


def is_blocked(action: str, request: HttpRequest, email: str) -> bool:
    counts = _store().get_many([key for key, _ in _keys(action, request, email)])
    return any(counts.get(key, 0) >= limit for key, limit in _keys(action, request, email))


def record(action: str, request: HttpRequest, email: str) -> None:
    for key, _ in _keys(action, request, email):
        if _store().add(key, 1, WINDOW_SECONDS):
            continue
        try:
            _store().incr(key)
        except ValueError:  # expired between add and incr
            _store().set(key, 1, WINDOW_SECONDS)


def reset(action: str, request: HttpRequest, email: str) -> None:
    """A successful sign-in clears the count for that address (not for the IP)."""
    _store().delete(_keys(action, request, email)[0][0])


BLOCKED_MESSAGE = "Too many attempts for this address or from this network. Wait 15 minutes, then try again."


def clear() -> None:
    """Forget every count (tests)."""
    _store().clear()
