"""Per-country postal rules: which fields a mailing house needs and what a postcode looks like.

Only countries we check are listed; elsewhere a postcode is free text (but
required unless the country has no postcodes), because a wrong rule that
rejects a real address is worse than no rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class PostcodeRule:
    label: str  # what the country calls it: "ZIP code", "postcode", "Postleitzahl"
    pattern: re.Pattern[str]
    example: str


POSTCODE_RULES: dict[str, PostcodeRule] = {
    "US": PostcodeRule("ZIP code", re.compile(r"^\d{5}(-\d{4})?$"), "94105 or 94105-1804"),
    # Royal Mail's shapes: A9 9AA, A99 9AA, AA9 9AA, AA99 9AA, A9A 9AA, AA9A 9AA (space added if missing).
    "GB": PostcodeRule("postcode", re.compile(r"^(GIR 0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? \d[ABD-HJLNP-UW-Z]{2})$"), "SW1A 1AA"),
    "DE": PostcodeRule("Postleitzahl", re.compile(r"^\d{5}$"), "10117"),
    "FR": PostcodeRule("code postal", re.compile(r"^\d{5}$"), "75007"),
    "CA": PostcodeRule("postal code", re.compile(r"^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] \d[ABCEGHJ-NPRSTV-Z]\d$"), "K1A 0B1"),
}

# Countries whose addresses have no postcode at all.
NO_POSTCODE = frozenset({"AE", "AG", "AO", "BS", "BZ", "FJ", "GD", "HK", "JM", "KI", "MO", "QA", "SB", "TV", "VU", "ZW"})

# Countries where mail does not arrive without the state/province.
REGION_REQUIRED = {"US": "state", "CA": "province", "AU": "state"}

PHONE_RE = re.compile(r"^\+?[\d\s().-]{6,24}$")


def normalise_postcode(country: str, raw: str) -> str:
    """Upper-case, single spaces; for GB and CA put the space before the last three characters."""
    value = " ".join(raw.upper().split())
    if country in {"GB", "CA"}:
        compact = value.replace(" ", "")
        if len(compact) > 3:
            value = f"{compact[:-3]} {compact[-3:]}"
    return value


def postcode_error(country: str, postcode: str) -> str | None:
    """A sentence for the reader when the postcode cannot be right for the country, else None."""
    if not postcode:
        if country in NO_POSTCODE:
            return None
        rule = POSTCODE_RULES.get(country)
        return f"Enter a {rule.label if rule else 'postcode'}."
    rule = POSTCODE_RULES.get(country)
    if rule and not rule.pattern.match(postcode):
        return f"{postcode!r} is not a valid {rule.label} for this country; it should look like {rule.example}."
    return None
