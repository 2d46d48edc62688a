"""The access policy newsroom's gate calls: entitlements first, then the meter.

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

from masthead.core.db import serialize
from masthead.core.http import client_network
from masthead.members import entitlements
from masthead.members.models import MeterRead, PaywallSettings
from masthead.newsroom.access import Decision

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from masthead.newsroom.models import ArticlePage

METER_WINDOW = timedelta(days=30)
NETWORK_WINDOW = timedelta(days=1)
METER_COOKIE = "mh_meter"
METER_COOKIE_SALT = "masthead.members.meter"
METER_COOKIE_MAX_AGE = 400 * 24 * 3600  # browsers cap cookie lifetime at 400 days
NEW_COOKIE_ATTR = "_masthead_new_meter_id"


def policy(user: Any, page: ArticlePage, request: HttpRequest | None = None) -> Decision:
    signed_in = entitlements._signed_in(user)
    if page.access == "public":
        return Decision(full=True, shared_cacheable=not signed_in, reason="public")
    # Who may read what is entitlements.can_read's rule, stated once; the meter below is this policy's own.
    if entitlements.can_read(user, page):
        return Decision(full=True, shared_cacheable=False, reason="staff" if user.is_staff else "entitled")
    if page.access == "members":  # not signed in: the teaser is the same for every anonymous reader
        return Decision(full=False, shared_cacheable=True, reason="sign-in")
    if request is None:
        # Feeds, sitemaps, search, private feeds, emails: never metered.
        return Decision(full=False, shared_cacheable=not signed_in, reason="subscribe")
    allowance = free_allowance(request)
    if allowance == 0:
        # Hard paywall: the teaser is the same for every anonymous reader.
        return Decision(full=False, shared_cacheable=not signed_in, reason="subscribe")
    return _metered(request, user, page, allowance)


def _policy_many(user: Any, pages: Sequence[ArticlePage]) -> list[Decision]:
    """The same decisions as policy(user, page) for each page, with the reader's grants looked up once."""
    with entitlements.one_answer_per_reader():
        return [policy(user, page, None) for page in pages]


policy.many = _policy_many  # type: ignore[attr-defined]  # newsroom.access.decide_many looks for it


def free_allowance(request: HttpRequest) -> int:
    try:
        return int(PaywallSettings.for_request(request).free_articles_per_30_days)
    except Exception:  # noqa: BLE001 - no Site for this host: fail closed to a hard paywall
        return 0


def reader_keys(request: HttpRequest, user: Any) -> list[str]:
    """The keys this reader's reads are counted under (see the module docstring)."""
    cookie_id = request.get_signed_cookie(METER_COOKIE, default=None, salt=METER_COOKIE_SALT)
    if entitlements._signed_in(user):
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


def _metered(request: HttpRequest, user: Any, page: ArticlePage, allowance: int) -> Decision:
    keys = reader_keys(request, user)
    network = None if entitlements._signed_in(user) else network_key(request)
    now = timezone.now()
    with transaction.atomic():
        # One reader's requests take turns, so ten at once cannot all see the same count.
        serialize(*keys, *([network] if network else []))
        used, read_pages = meter_count(keys, now - METER_WINDOW)
        if page.pk in read_pages:
            # Re-reading an article already counted is free, under every key.
            return Decision(full=True, shared_cacheable=False, reason="metered", meter_remaining=max(allowance - used, 0))
        if used >= allowance:
            return Decision(full=False, shared_cacheable=False, reason="subscribe", meter_remaining=0)
        if network is not None:
            ceiling = allowance * settings.METER_READERS_PER_NETWORK
            if MeterRead.objects.filter(reader_key=network, read_at__gte=now - NETWORK_WINDOW).count() >= ceiling:
                return Decision(full=False, shared_cacheable=False, reason="subscribe", meter_remaining=0)
            keys = [*keys, network]
        if request.method == "GET":
            MeterRead.objects.bulk_create([MeterRead(reader_key=key, page_id=page.pk, read_at=now) for key in keys])
            used += 1
    return Decision(full=True, shared_cacheable=False, reason="metered", meter_remaining=max(allowance - used, 0))


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
