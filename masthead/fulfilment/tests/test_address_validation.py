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
    "HK": {"name": "Ada Reader", "line1": "1 Queen's Road Central", "region": "Hong Kong Island", "country": "HK"},
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
        ("DE", "1011", "postcode"),
        ("DE", "D-10117", "postcode"),
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
    assert _errors(**{**GOOD["DE"], "postcode": ""})["postcode"] == ["Enter a postcode; mail to Germany needs it."]
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


# Countries the old hand-written rules never knew, each with what Google's address data says about it.
ELSEWHERE = {
    "NL": {"name": "Ada Lezer", "line1": "Damrak 1", "city": "Amsterdam", "postcode": "1012lg", "country": "NL"},
    "BR": {
        "name": "Ada Leitora",
        "line1": "Av. Paulista 1000",
        "city": "São Paulo",
        "region": "SP",
        "postcode": "01310-100",
        "country": "BR",
    },
    "JP": {"name": "Ada Reader", "line1": "1-1 Chiyoda", "region": "Tokyo", "postcode": "100-0001", "country": "JP"},
    "IE": {"name": "Ada Reader", "line1": "1 Grafton Street", "city": "Dublin", "postcode": "D02 X285", "country": "IE"},
    "IN": {
        "name": "Ada Reader",
        "line1": "1 Janpath",
        "city": "New Delhi",
        "region": "Delhi",
        "postcode": "110001",
        "country": "IN",
    },
}


@pytest.mark.parametrize("country", ELSEWHERE)
def test_addresses_in_countries_beyond_the_old_five_pass(member: Any, country: str) -> None:
    assert save_address(user=member, **ELSEWHERE[country]).pk


def test_the_postcode_gets_the_countrys_own_spacing(member: Any) -> None:
    assert save_address(user=member, **ELSEWHERE["NL"]).postcode == "1012 LG"
    assert save_address(user=member, **{**ELSEWHERE["IE"], "postcode": "d02x285"}).postcode == "D02 X285"


@pytest.mark.parametrize(
    "country,field,words",
    [
        ("BR", "region", "Enter the state; mail to Brazil needs it."),
        ("IN", "postcode", "not a valid PIN code for India"),
        ("NL", "postcode", "it should look like 1234 AB"),
        ("JP", "region", "Enter the prefecture; mail to Japan needs it."),
    ],
)
def test_each_countrys_rules_name_the_field_in_its_words(db: Any, country: str, field: str, words: str) -> None:
    bad = {"region": "", "postcode": "12"}[field]
    assert words in _errors(**{**ELSEWHERE[country], field: bad})[field][0]


def test_a_state_that_does_not_exist_is_named(db: Any) -> None:
    message = _errors(**{**GOOD["US"], "region": "Atlantis"})["region"][0]
    assert "'Atlantis' is not a state of United States" in message


def test_a_town_is_required_only_where_the_mail_needs_one(db: Any) -> None:
    PostalAddress(**ELSEWHERE["JP"]).full_clean(exclude=["user"])
    assert _errors(**{**ELSEWHERE["NL"], "city": ""})["city"] == ["Enter the town or city."]


def test_the_label_follows_the_countrys_layout(db: Any) -> None:
    us = PostalAddress(**{**GOOD["US"], "line2": "Suite 5"})
    assert us.lines() == ["Ada Reader", "1 Market St", "Suite 5", "SAN FRANCISCO, CA 94105", "UNITED STATES"]
    de = PostalAddress(**GOOD["DE"])
    assert de.lines() == ["Ada Leserin", "Unter den Linden 1", "10117 BERLIN", "GERMANY"]
    jp = PostalAddress(**ELSEWHERE["JP"])
    assert "TOKYO" in " ".join(jp.lines()).upper() and jp.lines()[-1] == "JAPAN"
