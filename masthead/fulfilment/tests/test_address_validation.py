"""A print address is refused, field by field with a clear message, when a mailing house could not deliver to it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from masthead.fulfilment.models import PostalAddress
from masthead.fulfilment.services import requires_address, save_address

GOOD = {
    "US": {
        "name": "Ada Reader",
        "line1": "1 Market St",
        "city": "San Francisco",
        "region": "CA",
        "postcode": "94105",
        "country": "US",
    },
    "GB": {"name": "Ada Reader", "line1": "10 Downing Street", "city": "London", "postcode": "sw1a2aa", "country": "GB"},
    "DE": {"name": "Ada Leserin", "line1": "Unter den Linden 1", "city": "Berlin", "postcode": "10117", "country": "DE"},
    "HK": {"name": "Ada Reader", "line1": "1 Queen's Road Central", "city": "Hong Kong", "country": "HK"},
}


def _errors(**fields: Any) -> dict[str, list[str]]:
    address = PostalAddress(**fields)
    with pytest.raises(ValidationError) as caught:
        address.full_clean(exclude=["user"])
    return caught.value.message_dict


@pytest.mark.parametrize("country", GOOD)
def test_a_complete_address_passes(member: Any, country: str) -> None:
    address = save_address(user=member, **GOOD[country])
    assert address.pk
    assert not requires_address(member)


def test_uk_postcode_is_normalised_to_royal_mail_form(member: Any) -> None:
    assert save_address(user=member, **GOOD["GB"]).postcode == "SW1A 2AA"


def test_missing_required_fields_are_each_named(db: Any) -> None:
    errors = _errors(name="", line1="  ", city="", postcode="10117", country="DE")
    assert errors["name"] == ["Enter the name of the person who receives the magazine."]
    assert errors["line1"] == ["Enter the street address (house number and street)."]
    assert errors["city"] == ["Enter the town or city."]


@pytest.mark.parametrize(
    "country,postcode,label",
    [
        ("US", "9410", "ZIP code"),
        ("US", "94105-12", "ZIP code"),
        ("GB", "SW1A", "postcode"),
        ("GB", "12345", "postcode"),
        ("DE", "1011", "Postleitzahl"),
        ("DE", "D-10117", "Postleitzahl"),
    ],
)
def test_postcode_checked_per_country(db: Any, country: str, postcode: str, label: str) -> None:
    fields = {**GOOD[country], "postcode": postcode}
    message = _errors(**fields)["postcode"][0]
    assert label in message
    assert "should look like" in message


@pytest.mark.parametrize("postcode", ["94105", "94105-1804"])
def test_us_zip_and_zip_plus_four(member: Any, postcode: str) -> None:
    save_address(user=member, **{**GOOD["US"], "postcode": postcode})


def test_postcode_required_except_where_there_are_none(db: Any) -> None:
    assert _errors(**{**GOOD["DE"], "postcode": ""})["postcode"] == ["Enter a Postleitzahl."]
    PostalAddress(**GOOD["HK"]).full_clean(exclude=["user"])


def test_us_needs_a_state(db: Any) -> None:
    assert "state" in _errors(**{**GOOD["US"], "region": ""})["region"][0]


def test_unknown_country_and_bad_phone(db: Any) -> None:
    errors = _errors(**{**GOOD["DE"], "country": "XX", "phone": "call me maybe"})
    assert "country" in errors
    assert "phone" in errors[("phone")][0].lower()


def test_bad_input_writes_nothing_and_keeps_the_old_address(member: Any) -> None:
    save_address(user=member, **GOOD["DE"])
    with pytest.raises(ValidationError):
        save_address(user=member, **{**GOOD["DE"], "city": "Potsdam", "postcode": "abc"})
    assert PostalAddress.objects.get(user=member).city == "Berlin"


def test_requires_address_until_a_valid_one_is_on_file(member: Any) -> None:
    assert requires_address(member)
    # An address saved before a rule existed (bypassing validation) still counts as missing.
    PostalAddress.objects.create(user=member, **{**GOOD["US"], "postcode": "1"})
    assert requires_address(member)
    save_address(user=member, **GOOD["US"])
    assert not requires_address(member)
