"""A reader adds and edits their postal address on their own page; errors are shown beside the fields."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from masthead.fulfilment.models import PostalAddress

URL = "/fulfilment/address/"
FORM = {
    "name": "Ada Reader",
    "line1": "1 Market St",
    "city": "San Francisco",
    "region": "CA",
    "postcode": "94105",
    "country": "US",
}


def test_anonymous_is_sent_to_sign_in(client: Client, db: Any) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("fulfilment:address") == URL


def test_reader_adds_then_edits_address(client: Client, member: Any) -> None:
    client.force_login(member)
    page = client.get(URL)
    assert page.status_code == 200
    assert "private" in page["Cache-Control"] or "no-cache" in page["Cache-Control"]
    response = client.post(URL, FORM)
    assert response.status_code == 302
    assert PostalAddress.objects.get(user=member).city == "San Francisco"
    client.post(URL, {**FORM, "line1": "2 Market St"})
    assert PostalAddress.objects.get(user=member).line1 == "2 Market St"
    assert PostalAddress.objects.count() == 1


def test_errors_are_listed_and_nothing_saved(client: Client, member: Any) -> None:
    client.force_login(member)
    response = client.post(URL, {**FORM, "name": "", "postcode": "ABCDE"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter the name of the person who receives the magazine." in html
    assert "is not a valid ZIP code" in html
    assert not PostalAddress.objects.exists()


def test_next_returns_to_checkout_but_never_off_site(client: Client, member: Any) -> None:
    client.force_login(member)
    assert client.post(URL, {**FORM, "next": "/billing/checkout/print-annual/"})["Location"] == "/billing/checkout/print-annual/"
    assert client.post(URL, {**FORM, "next": "https://evil.example/"})["Location"] == URL


def test_reader_removes_their_address(client: Client, member: Any) -> None:
    client.force_login(member)
    client.post(URL, FORM)
    assert "Remove my address" in client.get(URL).content.decode()
    assert client.get(URL + "remove/").status_code == 405
    assert client.post(URL + "remove/").status_code == 302
    assert not PostalAddress.objects.filter(user=member).exists()
