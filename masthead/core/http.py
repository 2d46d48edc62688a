"""Request helpers shared by every app's views: the one rule for each."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class AuthenticatedHttpRequest(HttpRequest):
    """The request a @login_required view receives: ``request.user`` is a real User.

    Annotating such a view's request with this type tells mypy what the
    decorator guarantees, instead of narrowing ``User | AnonymousUser`` by hand.
    """

    user: User


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, networks: tuple[IPNetwork, ...]) -> bool:
    return any(address in network for network in networks)


def _parse(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The address of the reader's machine, as far as we can trust it.

    X-Forwarded-For is anyone's to write, so it counts only when the peer
    (REMOTE_ADDR) is one of TRUSTED_PROXIES. Each trusted proxy appends the
    address it saw, so the header is read from the right, skipping our own
    proxies: the first address that is not one of them is the client. Anything
    left of it was written by the client and is ignored, which is what keeps a
    forged header from giving a guesser or a metered reader a fresh identity.
    """
    remote = str(request.META.get("REMOTE_ADDR", ""))
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    peer = _parse(remote)
    if not networks or peer is None or not _trusted(peer, networks):
        return remote
    client = peer
    for hop in reversed(str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")):
        address = _parse(hop)
        if address is None:
            break  # garbage or an empty hop: nothing further left can be trusted
        client = address
        if not _trusted(address, networks):
            break
    return str(client)


def client_network(request: HttpRequest) -> str:
    """What throttles and the meter count a client by: its IPv4 address, or its IPv6 /64.

    One IPv6 connection is routinely given a whole /64, so counting single
    IPv6 addresses would hand a guesser 2**64 fresh identities.
    """
    address = _parse(client_ip(request))
    if address is None:
        return client_ip(request) or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def safe_next(request: HttpRequest, candidate: str | None, default: str = "/") -> str:
    """Where to send the reader after a form: `candidate` if it is a path on this site, else `default`.

    Only same-site relative paths pass ("/account/", not "//evil.example" or
    "https://evil.example"), so a crafted ?next= can never send a reader away.
    """
    if candidate and candidate.startswith("/") and not candidate.startswith("//") and "\\" not in candidate:
        if url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
            return candidate
    return default
