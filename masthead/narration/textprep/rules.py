"""The rules: (name, pattern, replacement), run top to bottom over one paragraph.

Order matters: typography first so later patterns see plain ASCII; fixed
expressions, dates and phone numbers before ranges ("9/11", "202-555-0143"
are not "nine over eleven" or "two oh two to five five five"); money before
plain numbers; abbreviations before dotted letters; Roman numerals before
acronyms; numbers last. tests/test_text_preparation.py holds one example per
rule and tests/news_prose.py the 150-case table.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from masthead.narration.textprep import words as w

Replacement = Callable[[re.Match[str]], str]


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    replace: str | Replacement


def _rule(name: str, pattern: str, replace: str | Replacement, flags: int = 0) -> Rule:
    return Rule(name, re.compile(pattern, flags), replace)


def _keep_stop(match: re.Match[str], spoken: str) -> str:
    """The abbreviation's dot is dropped unless it also ended the sentence."""
    return spoken + "." if w.ends_sentence(match.string, match.end()) else spoken


# --- Replacements ---------------------------------------------------------------------


def _vulgar(match: re.Match[str]) -> str:
    numerator, denominator = w.VULGAR_FRACTIONS[match["frac"]]
    if match["whole"]:
        part = "a half" if (numerator, denominator) == (1, 2) else w.fraction(numerator, denominator)
        return f"{match['whole']} and {part}"
    return w.fraction(numerator, denominator)


def _numeric_date(match: re.Match[str]) -> str:
    month, day = int(match["m"]), int(match["d"])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return match[0]
    spoken = f"{w.MONTH_BY_NUMBER[month]} {w.ordinal(day)}"
    if match["y"]:
        yy = int(match["y"])
        spoken += f", {w.year(yy if yy > 99 else 2000 + yy)}"
    return spoken


FRACTION_DENOMINATORS = {2, 3, 4, 5, 6, 8, 10, 16, 100}
# "n/d" next to one of these words is a score, said "n out of d": "scored 7/10", "a 12/40 score".
SCORE_WORDS = frozenset("score scored scores scoring rated rates rating grade graded marks got earned".split())


def _is_score(match: re.Match[str]) -> bool:
    before = re.search(r"([A-Za-z]+)\W*$", match.string[: match.start()])
    after = re.match(r"\W*([A-Za-z]+)", match.string[match.end() :])
    return any(m is not None and m[1].lower() in SCORE_WORDS for m in (before, after))


def _fraction(match: re.Match[str]) -> str:
    """n/d, read by this rule, in this order (tests/test_news_prose_is_read_aloud.py tables it):
    a score ("scored 7/10") is "seven out of ten"; a proper fraction with a usual denominator is a
    fraction ("one third"); a month and day is a date ("March twenty-sixth"); any other n/d with n up
    to d is a score ("12/40": "twelve out of forty"); n over d is a split or a reading, said as two
    numbers ("a 60/40 split": "sixty forty", "120/80": "one hundred twenty eighty")."""
    numerator, denominator = int(match["n"]), int(match["d"])
    if match["whole"]:
        if not (0 < numerator < denominator and denominator in FRACTION_DENOMINATORS):
            return match[0]
        return f"{match['whole']} and {'a half' if (numerator, denominator) == (1, 2) else w.fraction(numerator, denominator)}"
    if numerator <= denominator and denominator > 0 and _is_score(match):
        return f"{w.cardinal(numerator)} out of {w.cardinal(denominator)}"
    if 0 < numerator < denominator and denominator in FRACTION_DENOMINATORS:
        return w.fraction(numerator, denominator)
    if 1 <= numerator <= 12 and 1 <= denominator <= 31:
        return f"{w.MONTH_BY_NUMBER[numerator]} {w.ordinal(denominator)}"
    if numerator <= denominator:
        return f"{w.cardinal(numerator)} out of {w.cardinal(denominator)}"
    return f"{w.cardinal(numerator)} {w.cardinal(denominator)}"


def _phone(match: re.Match[str]) -> str:
    groups = re.findall(r"\d+", match[0])
    if sum(len(g) for g in groups) < 10 and not match[0].startswith("+"):
        return match[0]
    spoken = []
    for group in groups:
        # Toll-free and round area codes are said as numbers: "one, eight hundred, ...".
        spoken.append(f"{w.cardinal(group[0])} hundred" if re.fullmatch(r"[2-9]00", group) else w.digits(group))
    return ("plus " if match[0].startswith("+") else "") + ", ".join(spoken)


def _temperature(match: re.Match[str]) -> str:
    number = match["num"]
    unit = "" if not match["scale"] else (" Celsius" if match["scale"].upper() == "C" else " Fahrenheit")
    sign = "minus " if match["sign"] else ""
    return f"{sign}{number} {'degree' if number == '1' and not sign else 'degrees'}{unit}"


def _money(match: re.Match[str]) -> str:
    one, many, sub_one, sub_many = w.CURRENCIES[match["cur"]]
    amount = match["amount"].replace(",", "")
    scale = (match["scale"] or "").lower()
    scale = w.SCALES.get(scale) or w.SCALE_SHORT.get(scale, "")
    if scale:
        return f"{w.cardinal(amount)} {scale} {many}"
    whole, _, cents = amount.partition(".")
    sub = int(cents[:2].ljust(2, "0")) if cents else 0
    if whole in ("", "0") and sub:
        return f"{w.cardinal(sub)} {sub_one if sub == 1 else sub_many}"
    words = f"{w.cardinal(whole or '0')} {one if whole == '1' else many}"
    if sub:
        words += f" and {w.cardinal(sub)} {sub_one if sub == 1 else sub_many}"
    return words


def _unit(match: re.Match[str]) -> str:
    one, many = w.UNITS[match["unit"]]
    if match["sep"] == "-":  # adjectival: "a 10-km run" is a ten-kilometer run
        return f"{match['num']}-{one.replace(' ', '-')}"
    return f"{match['num']} {one if match['num'] == '1' else many}"


def _time(match: re.Match[str]) -> str:
    if not (match["minute"] or match["ampm"]):
        return match[0]  # a plain number; the number rule reads it
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    spoken = w.cardinal(hour)
    if minute:
        spoken += f" oh {w.cardinal(minute)}" if minute < 10 else f" {w.cardinal(minute)}"
    elif not match["ampm"]:
        spoken += " hundred" if hour > 12 else " o'clock"
    if match["ampm"]:
        # "a.m" with inner dots only: espeak says "ay em" and no dot ends the sentence before "Eastern".
        ampm = f"{match['ampm'][0].lower()}.m"
        if match["tz"]:
            return f"{spoken} {ampm} {w.TIME_ZONES[match['tz']]}"
        return f"{spoken} {ampm}" + ("." if match[0].endswith(".") and w.ends_sentence(match.string, match.end()) else "")
    if match["tz"]:
        spoken += f" {w.TIME_ZONES[match['tz']]}"
    return spoken


def _date_month_day(match: re.Match[str]) -> str:
    return f"{w.MONTH_NAMES.get(match['month'][:3], match['month'])} {w.ordinal(int(match['day']))}"


def _date_day_month(match: re.Match[str]) -> str:
    return f"the {w.ordinal(int(match['day']))} of {w.MONTH_NAMES.get(match['month'][:3], match['month'])}"


def _iso_date(match: re.Match[str]) -> str:
    month, day = int(match["m"]), int(match["d"])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return match[0]
    return f"{w.MONTH_BY_NUMBER[month]} {w.ordinal(day)}, {w.year(int(match['y']))}"


def _decade(match: re.Match[str]) -> str:
    if match["year"]:
        return w.plural(w.year(int(match["year"])))
    return w.plural(w.cardinal(int(match["short"])))


def _short_year(match: re.Match[str]) -> str:
    value = int(match[1])
    return f"oh-{w.cardinal(value)}" if value < 10 else w.cardinal(value)


def _roman(match: re.Match[str]) -> str:
    before, numeral = match["before"], match["numeral"]
    value = w.roman_value(numeral)
    if value is None or before in w.SENTENCE_STARTERS:
        return match[0]
    if before in w.CARDINAL_ROMAN_AFTER:
        return f"{before} {w.cardinal(value).title()}"
    return f"{before} the {w.ordinal(value).title()}"


def _saint_or_street(match: re.Match[str]) -> str:
    """ "St. Louis" is Saint; "Bourbon St. toward", "10 Downing St." are Street."""
    before = match["before"] or ""
    after_name = bool(before) and (before[0].isdigit() or (before[0].isupper() and before not in w.SENTENCE_STARTERS))
    if not after_name and re.match(r"\s+[A-Z]", match.string[match.end() :]):
        return f"{match['lead']}Saint"
    return f"{match['lead']}Street" + ("." if w.ends_sentence(match.string, match.end()) else "")


def _dotted_letters(match: re.Match[str]) -> str:
    letters = match["letters"]
    spoken = w.spell_letters(letters, possessive=bool(match["poss"]))
    return spoken if match["poss"] else _keep_stop(match, spoken)


def _acronym(match: re.Match[str]) -> str:
    word, suffix = match["word"], match["suffix"] or ""
    if w.acronym_is_word(word):
        return word.capitalize() + suffix
    return w.spell_letters(word, possessive=bool(suffix))


def _number(match: re.Match[str]) -> str:
    return w.cardinal(match[0].replace(",", ""))


def _scale_word(match: re.Match[str]) -> str:
    return f"{match['num']} {w.SCALE_SHORT[match['scale'].lower()]}"


def _alternation(names: Iterable[str]) -> str:
    return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))


TITLE_PATTERN = _alternation(w.TITLES)
SUFFIX_PATTERN = _alternation(w.SUFFIXES)
STATE_PATTERN = _alternation(w.STATES)
UNIT_PATTERN = _alternation(w.UNITS)
CURRENCY_PATTERN = _alternation(w.CURRENCIES)
TZ_PATTERN = _alternation(w.TIME_ZONES)
LETTER_A_PATTERN = _alternation([*w.LETTER_A_AFTER, *(word.lower() for word in w.LETTER_A_AFTER)])
MONTHS = w.MONTHS

RULES: Sequence[Rule] = (
    # Typography first, so later patterns see plain ASCII punctuation.
    _rule("quotes", r"[“”„]", '"'),
    _rule("apostrophes", r"[‘’]", "'"),
    _rule("hyphens and minus", r"[\u2010\u2011\u2212]", "-"),
    _rule("nbsp", r"[\u00a0\u2009\u202f]", " "),
    _rule("ellipsis", r"…", "..."),
    _rule("vulgar fractions", r"(?:(?P<whole>\d+)\s?)?(?P<frac>[½⅓⅔¼¾⅕⅛])", _vulgar),
    _rule(
        "slash expressions", rf"(?<![\w/])(?:{_alternation(w.SLASH_EXPRESSIONS)})(?![\w/])", lambda m: w.SLASH_EXPRESSIONS[m[0]]
    ),
    _rule("numeric dates", r"(?<![\w/.])(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4}|\d{2})(?![\w/])", _numeric_date),
    _rule("iso dates", r"(?<![\w-])(?P<y>(?:19|20)\d\d)-(?P<m>\d\d)-(?P<d>\d\d)(?![\w-])", _iso_date),
    _rule("season years", r"(?<![\w/])(?P<a>(?:19|20)\d\d)/(?P<b>\d\d)(?![\w/])", r"\g<a> to \g<b>"),
    _rule(
        "fractions and short dates",
        r"(?<![\w/.])(?:(?P<whole>\d+)\s+)?(?P<n>\d{1,3})/(?P<d>\d{1,3})(?![\w/]|\.\d)",
        _fraction,
    ),
    _rule(
        "phone numbers",
        r"(?<![\w+])(?:\+\d{1,3}[\s.-]?(?:\(\d{1,4}\)\s?|\d{1,4}[\s.-])\d{2,4}(?:[\s.-]\d{2,4}){1,2}"
        r"|(?:1-)?(?:\(\d{3}\)\s?|\d{3}[.-])\d{3}[.-]\d{4})(?![\w-])",
        _phone,
    ),
    _rule(
        "temperatures",
        r"(?<![\w.])(?P<sign>[-–])?(?P<num>\d+(?:\.\d+)?)\s?°\s?(?P<scale>[CF](?![a-z]))?(?:/°?[CF]\b)?",
        _temperature,
    ),
    _rule(
        "temperature scales", r"(?<![\w])°\s?(?P<s>[CF])\b", lambda m: "degrees " + ("Celsius" if m["s"] == "C" else "Fahrenheit")
    ),
    _rule("negative numbers", r"(?<![\w.,)-])[-–](?=\d)", "minus "),
    _rule("dashes", r"\s*[—–]\s*(?=\D)|\s+-\s+", ", "),
    _rule("number ranges", r"(?<=\d)\s*[–-]\s*(?=\d)", " to "),
    _rule("saint or street", r"(?P<lead>(?:(?P<before>[\w']+)\s+)?)St\.(?=\s|$)", _saint_or_street),
    _rule("titles", rf"(?<![\w.])(?:{TITLE_PATTERN})(?=\s)", lambda m: w.TITLES[m[0]]),
    _rule("state names", rf"(?<=, )(?:{STATE_PATTERN})(?!\w)", lambda m: _keep_stop(m, w.STATES[m[0]])),
    _rule("suffixes", rf"(?<![\w.])(?:{SUFFIX_PATTERN})(?!\w)", lambda m: _keep_stop(m, w.SUFFIXES[m[0]].rstrip("."))),
    _rule("number sign", r"\bNos?\.\s*(?=\d)", lambda m: "numbers " if m[0].startswith("Nos") else "number "),
    _rule("hash number", r"#(?=\d)", "number "),
    _rule(
        "money",
        rf"(?P<cur>{CURRENCY_PATTERN})\s?(?P<amount>\d[\d,]*(?:\.\d+)?|\.\d+)"
        r"(?:\s?(?P<scale>thousand|million|billion|trillion|bn|mn|tn|[kmb])\b)?",
        _money,
        re.IGNORECASE,
    ),
    _rule("scale suffixes", r"(?<![\w.])(?P<num>\d+(?:\.\d+)?)(?P<scale>bn|mn|tn|m(?=\s+[a-z]))\b", _scale_word),
    _rule("units", rf"(?<![\w.])(?P<num>\d[\d,]*(?:\.\d+)?)(?P<sep>\s?|-)(?P<unit>{UNIT_PATTERN})(?![\w/²])", _unit),
    _rule("bare units", rf"(?<![\w/])(?:{_alternation(w.BARE_UNITS)})(?![\w/])", lambda m: w.BARE_UNITS[m[0]]),
    _rule(
        "times",
        r"(?<![\d:.,])\b(?P<hour>[01]?\d|2[0-3])(?!\d)(?::(?P<minute>[0-5]\d))?(?![\d,.:]\d)"
        rf"(?:\s?(?P<ampm>[ap])\.?\s?m\b\.?)?(?:\s(?P<tz>{TZ_PATTERN})\b)?",
        _time,
        re.IGNORECASE,
    ),
    _rule("month day", rf"\b(?P<month>{MONTHS})\s+(?P<day>[1-3]?\d)(?:st|nd|rd|th)?\b(?!:)", _date_month_day),
    _rule("day month", rf"\b(?P<day>[1-3]?\d)(?:st|nd|rd|th)?\s+(?P<month>{MONTHS})\b", _date_day_month),
    _rule("percent", r"(?<=\d)\s?%", " percent"),
    _rule("decades", r"\b(?P<year>1[1-9]\d0|20\d0)'?s\b|(?:(?<=[\s-])|^)'?(?P<short>[1-9]0)s\b", _decade),
    _rule("short years", r"(?:(?<=\s)|^)'(\d\d)\b", _short_year),
    _rule("ordinals", r"\b(\d+)(?:st|nd|rd|th)\b", lambda m: w.ordinal(int(m[1]))),
    _rule("roman numerals", r"\b(?P<before>[A-Z][a-z]+)\s+(?P<numeral>[IVXL]{2,}|(?<=War )I|(?<=War )V)\b(?!\.\w)", _roman),
    _rule(
        "regnal I",
        r"\b(?P<title>King|Queen|Tsar|Czar|Pope|Emperor|Empress)\s+(?P<name>[A-Z][a-z]+)\s+I\b",
        lambda m: f"{m['title']} {m['name']} the First",
    ),
    # "G7", "5G", "MH17": read the letters and the number apart ("G seven", "five G", "M.H seventeen").
    _rule("letters and digits", r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])", " "),
    _rule("dotted letters", r"(?<![\w.])(?P<letters>(?:[A-Za-z]\.){2,})(?P<poss>'s)?(?!\w)", _dotted_letters),
    _rule(
        "letters and letters",
        r"\b(?P<a>[A-Z]{1,3})&(?P<b>[A-Z]{1,3})\b",
        lambda m: f"{w.spell_letters(m['a'])} and {w.spell_letters(m['b'])}",
    ),
    # A capital A on its own after "Plan", "Type", "the"... is the letter, not the article engines say "uh".
    _rule("the letter A", rf"\b(?P<before>{LETTER_A_PATTERN})\s+A\b(?![\w'-]|\.\w)", lambda m: f"{m['before']} {w.LETTER_A}"),
    _rule("acronyms", r"\b(?P<word>[A-Z]{2,})(?P<suffix>'s|s)?\b", _acronym),
    _rule("years", r"(?<![\d,.$])\b(?:1[1-9]\d\d|20\d\d)\b(?![,.]\d|\s?%)", lambda m: w.year(int(m[0]))),
    _rule("decimals and integers", r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|(?<![\w])\d*\.?\d+(?!\w)", _number),
    _rule("ampersand", r"\s&\s", " and "),
    _rule("plus", r"(?<=\w)\+(?=\s|$)|\s\+\s", " plus "),
    _rule("at sign", r"\s@\s", " at "),
    _rule("and/or", r"\band/or\b", "and or"),
    _rule("word slashes", r"(?<=[A-Za-z])/(?=[A-Za-z])", " or "),
    _rule("spaces", r"[ \t]+", " "),
)


def apply_rules(text: str, rules: Iterable[Rule] = RULES) -> str:
    for rule in rules:
        text = rule.pattern.sub(rule.replace, text)
    return text.strip()
