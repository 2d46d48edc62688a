"""The account page's address panel: shown to print readers (with a prompt when no address), hidden from others."""

from __future__ import annotations

from typing import Any

from django.test import RequestFactory
from wagtail import hooks

from masthead.fulfilment.tests.conftest import make_reader


def _panels(user: Any) -> list[str]:
    request = RequestFactory().get("/account/")
    request.user = user
    return [html for fn in hooks.get_hooks("masthead_account_panels") if (html := fn(request))]


def _address_panel(user: Any) -> str | None:
    found = [html for html in _panels(user) if "account-address-title" in html]
    return found[0] if found else None


def test_print_reader_without_address_is_asked_for_one(db: Any) -> None:
    html = _address_panel(make_reader("bob", includes_print=True))
    assert html is not None
    assert "no address to send it to" in html
    assert 'href="/fulfilment/address/"' in html


def test_reader_with_address_sees_it_with_a_change_link(db: Any) -> None:
    html = _address_panel(make_reader("alice", includes_print=True, address=True))
    assert html is not None
    assert "1 Market St" in html and "SAN FRANCISCO, CA 94105" in html
    assert "Change address" in html


def test_digital_reader_without_address_gets_no_panel(db: Any) -> None:
    assert _address_panel(make_reader("carol")) is None


def test_the_account_page_shows_the_panel(db: Any) -> None:
    from django.test import Client

    client = Client()
    client.force_login(make_reader("alice", includes_print=True, address=True))
    html = client.get("/account/").content.decode()
    assert "Print delivery address" in html
    assert "10 Downing" not in html and "1 Market St" in html
