"""The client's address: X-Forwarded-For counts only when one of our trusted proxies sent it."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from masthead.core.http import client_ip, client_network


def request(remote="203.0.113.7", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("trusted", "remote", "forwarded", "client"),
    [
        # No proxy configured: the header is anyone's to write.
        ([], "203.0.113.7", "198.51.100.1", "203.0.113.7"),
        # A proxy is configured, but this request did not come from it.
        (["10.0.0.1"], "203.0.113.7", "198.51.100.1", "203.0.113.7"),
        # From our proxy: the address it appended.
        (["10.0.0.1"], "10.0.0.1", "198.51.100.1", "198.51.100.1"),
        # The client wrote its own entries first; only the one our proxy appended counts.
        (["10.0.0.1"], "10.0.0.1", "1.2.3.4, 5.6.7.8, 198.51.100.1", "198.51.100.1"),
        # Two proxies of ours in a row (CDN, then nginx), named as a network.
        (["10.0.0.0/8"], "10.0.0.1", "6.6.6.6, 198.51.100.1, 10.2.3.4", "198.51.100.1"),
        # Garbage where an address should be: stop at the last address we could read.
        (["10.0.0.0/8"], "10.0.0.1", "198.51.100.1, not-an-ip, 10.2.3.4", "10.2.3.4"),
        # Our proxy sent no header at all.
        (["10.0.0.1"], "10.0.0.1", None, "10.0.0.1"),
        (["10.0.0.1"], "10.0.0.1", "", "10.0.0.1"),
        (["::1"], "::1", "2001:db8::5", "2001:db8::5"),
    ],
)
def test_the_client_is_the_first_address_from_the_right_that_is_not_our_proxy(settings, trusted, remote, forwarded, client):
    settings.TRUSTED_PROXIES = trusted
    assert client_ip(request(remote, forwarded)) == client


def test_an_ipv6_client_is_counted_by_its_64_and_a_mapped_ipv4_by_its_address(settings):
    settings.TRUSTED_PROXIES = []
    assert (
        client_network(request("2001:db8:1:2:aaaa::1")) == client_network(request("2001:db8:1:2:ffff::9")) == "2001:db8:1:2::/64"
    )
    assert client_network(request("2001:db8:1:3::1")) != client_network(request("2001:db8:1:2::1"))
    assert client_network(request("::ffff:192.0.2.1")) == "192.0.2.1"
    assert client_network(request("192.0.2.1")) == "192.0.2.1"
