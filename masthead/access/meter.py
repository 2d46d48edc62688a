"""The meter: how many subscriber articles a reader without access may still read.

Readers without a subscription get N subscriber articles per rolling 30 days
(PaywallSettings; 0 = hard paywall). The count lives on the server in
MeterRead rows. A signed-in reader is counted by user id (and, if present, the
browser's meter cookie). An anonymous reader is counted under two keys — a
random id in a signed cookie, and a keyed hash of the client's network and
user agent — and the larger count wins, so clearing cookies or opening a
private window does not reset the meter.

Both keys change when a reader clears cookies *and* changes the User-Agent,
so anonymous reads are also counted per network (an IPv4 address or IPv6 /64,
the real client behind a trusted proxy: masthead.core.http): one network gets
at most N × METER_READERS_PER_NETWORK free articles a day, whatever identities
it shows. A household or an office behind one NAT shares that ceiling and is
not starved; header games stop at it. (docs/members.md says what a reader
with a VPN can still do.)

A decision that depends on the meter differs between anonymous readers, so it
is never shared_cacheable; the page cache then never stores it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from masthead.access import entitlements
from masthead.access.models import MeterRead, PaywallSettings
from masthead.core.db import serialize
from masthead.core.http import client_network

if TYPE_CHECKING:
    from collections.abc import Callable

METER_WINDOW = timedelta(days=30)
NETWORK_WINDOW = timedelta(days=1)
METER_COOKIE = "mh_meter"
METER_COOKIE_SALT = "masthead.members.meter"
METER_COOKIE_MAX_AGE = 400 * 24 * 3600  # browsers cap cookie lifetime at 400 days
NEW_COOKIE_ATTR = "_masthead_new_meter_id"


def free_allowance(request: HttpRequest) -> int:
    try:
        return int(PaywallSettings.for_request(request).free_articles_per_30_days)
    except Exception:  # noqa: BLE001 - no Site for this host: fail closed to a hard paywall
        return 0


def reader_keys(request: HttpRequest, user: Any) -> list[str]:
    """The keys this reader's reads are counted under (see the module docstring)."""
    cookie_id = request.get_signed_cookie(METER_COOKIE, default=None, salt=METER_COOKIE_SALT)
    if entitlements.signed_in(user):
        # The browser's anonymous reads count too, so signing up does not start a fresh allowance.
        return [f"u:{user.pk}"] + ([f"c:{cookie_id}"] if cookie_id else [])
    if not cookie_id:
        cookie_id = getattr(request, NEW_COOKIE_ATTR, None) or secrets.token_urlsafe(16)
        setattr(request, NEW_COOKIE_ATTR, cookie_id)
    return [f"c:{cookie_id}", f"h:{_client_fingerprint(request)}"]


def _keyed(material: str) -> str:
    # Keyed, so the table does not hold anything that maps back to an IP address.
    return hmac.new(str(settings.SECRET_KEY).encode(), material.encode(), hashlib.sha256).hexdigest()[:40]


def _client_fingerprint(request: HttpRequest) -> str:
    return _keyed(f"{client_network(request)}|{request.META.get('HTTP_USER_AGENT', '')}")


def network_key(request: HttpRequest) -> str:
    """The key every anonymous read from this network is also counted under, for the daily ceiling."""
    return f"n:{_keyed(client_network(request))}"


def meter_count(keys: list[str], since: Any) -> tuple[int, set[int]]:
    """(largest number of distinct articles read under any key, pages read under any key)."""
    rows = MeterRead.objects.filter(reader_key__in=keys, read_at__gte=since).values_list("reader_key", "page_id")
    per_key: dict[str, set[int]] = {}
    for key, page_id in rows:
        per_key.setdefault(key, set()).add(page_id)
    read_pages = set().union(*per_key.values()) if per_key else set()
    return max((len(pages) for pages in per_key.values()), default=0), read_pages


def count_read(request: HttpRequest, user: Any, page_id: int, allowance: int) -> int | None:
    """Count this page view against the reader's allowance.

    Returns how many articles the reader has now used in the window, or None
    when the allowance is spent (the reader gets the teaser). Re-reading an
    article already counted is free, under every key.
    """
    keys = reader_keys(request, user)
    network = None if entitlements.signed_in(user) else network_key(request)
    now = timezone.now()
    with transaction.atomic():
        # One reader's requests take turns, so ten at once cannot all see the same count.
        serialize(*keys, *([network] if network else []))
        used, read_pages = meter_count(keys, now - METER_WINDOW)
        if page_id in read_pages:
            return used
        if used >= allowance:
            return None
        if network is not None:
            ceiling = allowance * settings.METER_READERS_PER_NETWORK
            if MeterRead.objects.filter(reader_key=network, read_at__gte=now - NETWORK_WINDOW).count() >= ceiling:
                return None
            keys = [*keys, network]
        # Every method but HEAD shows the text (a POST with the reader's own CSRF token
        # renders the page too), so every one of them spends a read; a HEAD has no body.
        if request.method != "HEAD":
            MeterRead.objects.bulk_create([MeterRead(reader_key=key, page_id=page_id, read_at=now) for key in keys])
            used += 1
    return used


class MeterCookieMiddleware:
    """Gives an anonymous reader the meter cookie the policy chose for them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        new_id = getattr(request, NEW_COOKIE_ATTR, None)
        if new_id:
            response.set_signed_cookie(
                METER_COOKIE,
                new_id,
                salt=METER_COOKIE_SALT,
                max_age=METER_COOKIE_MAX_AGE,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
