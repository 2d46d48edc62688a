"""Words the narrator says for numbers, letters and abbreviations, and the tables behind them.

Letter names: a spelled acronym is written for the engine as dotted letters
without a final dot ("C.I.A"). espeak-ng (Piper's phonemizer too) then says
each letter's name as one word with one stress ("sˌiːˌaɪˈeɪ"); spaced letters
("C I A") made a lone "A" the article "uh" ("see eye uh", "R I A" → "ar eye
uh"), and a final dot ("U.S.") ends the sentence: a 400 ms pause and falling
pitch before "President". A plural or possessive keeps the dot before "'s"
("C.E.O.'s"), the one form espeak still spells.
"""

from __future__ import annotations

import re

from num2words import num2words

# --- Numbers --------------------------------------------------------------------


def cardinal(number: int | float | str) -> str:
    """American style: "one hundred forty", not "one hundred and forty"."""
    if isinstance(number, str):
        number = float(number.replace(",", "")) if "." in number else int(number.replace(",", ""))
    return str(num2words(number)).replace(" and ", " ").replace(",", "")


def ordinal(number: int) -> str:
    return str(num2words(number, to="ordinal")).replace(" and ", " ").replace(",", "")


def year(number: int) -> str:
    """2022 → "twenty twenty-two", 1905 → "nineteen oh-five", 2005 → "two thousand five"."""
    return str(num2words(number, to="year")).replace(" and ", " ")


def plural(words: str) -> str:
    """ "ninety" → "nineties", "third" → "thirds", "half" → "halves"."""
    if words.endswith("y"):
        return words[:-1] + "ies"
    if words.endswith("half"):
        return words[:-1] + "ves"
    if words.endswith("s"):
        return words
    return words + "s"


DIGIT_NAMES = ("oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def digits(text: str) -> str:
    """Digit by digit, zero as "oh", as phone numbers are read: "0143" → "oh one four three"."""
    return " ".join(DIGIT_NAMES[int(ch)] for ch in text if ch.isdigit())


FRACTION_NAMES = {2: ("half", "halves"), 4: ("quarter", "quarters")}


def fraction(numerator: int, denominator: int) -> str:
    one, many = FRACTION_NAMES.get(denominator) or (ordinal(denominator), plural(ordinal(denominator)))
    return f"{cardinal(numerator)} {one if numerator == 1 else many}"


# --- Letters ---------------------------------------------------------------------


# The letter A said on its own. Engines read a lone "A" as the article ("plan uh", "M and uh"); espeak-ng and
# Piper's phonemizer both say "Eh" as the letter's name (eɪ), checked in test_engine_hears_prepared_text.py.
LETTER_A = "Eh"
# Words after which a capital A is the letter: "Plan A", "Type A", "vitamin A", "Exhibit A", "the A team".
LETTER_A_AFTER = frozenset(
    """Plan Type Class Category Group Grade Exhibit Option Vitamin Section Part Appendix Figure Schedule Division
    Series Model Row Gate Terminal Platform Level Tier Side Wing Block Building Phase Stage Track Route Line The""".split()
)


def spell_letters(word: str, *, possessive: bool = False) -> str:
    """ "CIA" → "C.I.A" (letter names, said as one word); possessive or plural → "C.I.A.'s"."""
    letters = [ch.upper() for ch in word if ch.isalnum()]
    if len(letters) == 1:
        return (LETTER_A if letters[0] == "A" else letters[0]) + (".'s" if possessive else "")
    return ".".join(letters) + (".'s" if possessive else "")


# Capitalised words that start sentences rather than name anything: "An IV drip" is not "An the Fourth",
# and "in the U.S. The talks" ends a sentence where "U.S. President" does not.
SENTENCE_STARTERS = frozenset(
    """A An The This That These Those His Her Its Our Their My Your He She It They We I You There Here
    In On At And But Or So Yet For With After Before When While If As Since Although Though Because Meanwhile
    However Moreover Still Also Then Now Some Many Most Much Several Few Both Each Every All No Not Neither
    What Who Why How Where Which Last Next Earlier Later According Despite During Under Over By From To Into
    Asked Speaking Instead Nonetheless Nevertheless Notably Indeed Yesterday Today Tomorrow Such Other""".split()
)


def ends_sentence(text: str, end: int) -> bool:
    """Whether the abbreviation dot just before ``end`` also ends the sentence ("... in the U.S. The talks")."""
    rest = text[end:]
    if not rest.strip():
        return True
    match = re.match(r"\s+[\"'(\[]?(\w+)", rest)
    if match is None:
        return bool(re.match(r"[\"')\]]*\s*$", rest))
    word = match[1]
    if not word[0].isupper():
        return False
    # A quotation opening after the dot starts a new sentence; otherwise only a function word does.
    return rest.lstrip()[0] in "\"'(" or word in SENTENCE_STARTERS


# --- Vocabulary --------------------------------------------------------------------

MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
    "|Jan\\.|Feb\\.|Mar\\.|Apr\\.|Jun\\.|Jul\\.|Aug\\.|Sept?\\.|Oct\\.|Nov\\.|Dec\\."
)
MONTH_NAMES = {m[:3]: m for m in MONTHS.split("|")[:12]}
MONTH_BY_NUMBER = {i + 1: m for i, m in enumerate(MONTHS.split("|")[:12])}

# Always read out in full and never the end of a sentence: they stand before a name.
TITLES = {
    "Dr.": "Doctor", "Mr.": "Mister", "Mrs.": "Missus", "Ms.": "Miz", "Messrs.": "Messieurs", "Prof.": "Professor",
    "Gen.": "General", "Lt.": "Lieutenant", "Col.": "Colonel", "Maj.": "Major", "Capt.": "Captain", "Cmdr.": "Commander",
    "Adm.": "Admiral", "Brig.": "Brigadier", "Sgt.": "Sergeant", "Cpl.": "Corporal", "Pvt.": "Private",
    "Sen.": "Senator", "Rep.": "Representative", "Gov.": "Governor", "Lt. Gov.": "Lieutenant Governor",
    "Pres.": "President", "Amb.": "Ambassador", "Sec.": "Secretary", "Atty.": "Attorney", "Supt.": "Superintendent",
    "Rev.": "Reverend", "Fr.": "Father", "Hon.": "Honorable", "Mt.": "Mount", "Ft.": "Fort", "Pt.": "Point",
    "No.": "number", "Nos.": "numbers", "Vol.": "Volume",
}  # fmt: skip

# Read out in full; the dot may also end the sentence ("shares of Apple Inc. The company ...").
SUFFIXES = {
    "Jr.": "Junior", "Sr.": "Senior", "Inc.": "Incorporated", "Corp.": "Corporation", "Co.": "Company",
    "Ltd.": "Limited", "Bros.": "Brothers", "Ave.": "Avenue", "Blvd.": "Boulevard", "Rd.": "Road", "Hwy.": "Highway",
    "Sq.": "Square", "Dept.": "Department", "Univ.": "University", "Apt.": "Apartment", "Bldg.": "Building",
    "vs.": "versus", "etc.": "et cetera", "e.g.": "for example", "i.e.": "that is", "a.k.a.": "also known as",
    "approx.": "approximately", "ca.": "circa", "est.": "established", "Ph.D.": "P.H.D", "Ph.D.s": "P.H.D.'s",
}  # fmt: skip

# AP-style state abbreviations, said in full after a town and a comma ("Springfield, Ill.").
STATES = {
    "Ala.": "Alabama", "Ariz.": "Arizona", "Ark.": "Arkansas", "Calif.": "California", "Colo.": "Colorado",
    "Conn.": "Connecticut", "Del.": "Delaware", "Fla.": "Florida", "Ga.": "Georgia", "Ill.": "Illinois",
    "Ind.": "Indiana", "Kan.": "Kansas", "Ky.": "Kentucky", "La.": "Louisiana", "Md.": "Maryland",
    "Mass.": "Massachusetts", "Mich.": "Michigan", "Minn.": "Minnesota", "Miss.": "Mississippi", "Mo.": "Missouri",
    "Mont.": "Montana", "Neb.": "Nebraska", "Nev.": "Nevada", "N.H.": "New Hampshire", "N.J.": "New Jersey",
    "N.M.": "New Mexico", "N.Y.": "New York", "N.C.": "North Carolina", "N.D.": "North Dakota", "Okla.": "Oklahoma",
    "Ore.": "Oregon", "Pa.": "Pennsylvania", "R.I.": "Rhode Island", "S.C.": "South Carolina", "S.D.": "South Dakota",
    "Tenn.": "Tennessee", "Vt.": "Vermont", "Va.": "Virginia", "Wash.": "Washington", "W.Va.": "West Virginia",
    "Wis.": "Wisconsin", "Wyo.": "Wyoming", "D.C.": "D.C",
}  # fmt: skip

SCALES = {"thousand": "thousand", "million": "million", "billion": "billion", "trillion": "trillion"}
SCALE_SHORT = {"k": "thousand", "m": "million", "mn": "million", "bn": "billion", "b": "billion", "tn": "trillion"}
CURRENCIES = {
    "$": ("dollar", "dollars", "cent", "cents"),
    "US$": ("U.S dollar", "U.S dollars", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"),
    "€": ("euro", "euros", "cent", "cents"),
    "¥": ("yen", "yen", "sen", "sen"),
    "₽": ("ruble", "rubles", "kopek", "kopeks"),
    "₴": ("hryvnia", "hryvnias", "kopiyka", "kopiyky"),
    "₹": ("rupee", "rupees", "paisa", "paise"),
}

# Units after a number: (singular, plural). "a 10-km run" uses the singular, as speech does.
UNITS = {
    "km/h": ("kilometer per hour", "kilometers per hour"), "kph": ("kilometer per hour", "kilometers per hour"),
    "mph": ("mile per hour", "miles per hour"), "m/s": ("meter per second", "meters per second"),
    "km": ("kilometer", "kilometers"), "sq km": ("square kilometer", "square kilometers"),
    "km2": ("square kilometer", "square kilometers"), "km²": ("square kilometer", "square kilometers"),
    "cm": ("centimeter", "centimeters"), "mm": ("millimeter", "millimeters"), "mi": ("mile", "miles"),
    "ft": ("foot", "feet"), "kg": ("kilogram", "kilograms"), "lb": ("pound", "pounds"), "lbs": ("pound", "pounds"),
    "oz": ("ounce", "ounces"), "ha": ("hectare", "hectares"), "kWh": ("kilowatt hour", "kilowatt hours"),
    "MWh": ("megawatt hour", "megawatt hours"), "GWh": ("gigawatt hour", "gigawatt hours"), "kW": ("kilowatt", "kilowatts"),
    "MW": ("megawatt", "megawatts"), "GW": ("gigawatt", "gigawatts"), "GHz": ("gigahertz", "gigahertz"),
    "MHz": ("megahertz", "megahertz"), "kHz": ("kilohertz", "kilohertz"), "Hz": ("hertz", "hertz"),
    "GB": ("gigabyte", "gigabytes"), "MB": ("megabyte", "megabytes"), "TB": ("terabyte", "terabytes"),
    "mg": ("milligram", "milligrams"), "ml": ("milliliter", "milliliters"), "bpd": ("barrel a day", "barrels a day"),
}  # fmt: skip
# Units said the same with or without a number before them ("speeds in km/h").
BARE_UNITS = {
    "km/h": "kilometers per hour",
    "mph": "miles per hour",
    "kph": "kilometers per hour",
    "kWh": "kilowatt hours",
    "bpd": "barrels a day",
}

# Fixed expressions with a slash, read as people say them.
SLASH_EXPRESSIONS = {"9/11": "nine eleven", "24/7": "twenty-four seven", "50/50": "fifty-fifty", "20/20": "twenty-twenty"}

TIME_ZONES = {
    "ET": "Eastern", "EST": "Eastern Standard Time", "EDT": "Eastern Daylight Time", "CT": "Central",
    "CST": "Central Standard Time", "CDT": "Central Daylight Time", "MT": "Mountain", "PT": "Pacific",
    "PST": "Pacific Standard Time", "PDT": "Pacific Daylight Time", "GMT": "G.M.T", "UTC": "U.T.C", "BST": "B.S.T",
    "CET": "C.E.T", "MSK": "Moscow time",
}  # fmt: skip

VULGAR_FRACTIONS = {"½": (1, 2), "⅓": (1, 3), "⅔": (2, 3), "¼": (1, 4), "¾": (3, 4), "⅕": (1, 5), "⅛": (1, 8)}

# A Roman numeral after these words is a number ("World War Two"), after other names a regnal ordinal ("John Paul the Second").
CARDINAL_ROMAN_AFTER = {
    "War", "Part", "Chapter", "Act", "Phase", "Volume", "Vol", "Title", "Article", "Apollo", "Mark", "Bowl",
    "Vatican", "Stage", "Level", "Type", "Class", "Grade", "Category", "Section", "Round", "Book", "Tier", "Gemini",
    "Schedule", "Annex", "Protocol", "Rocky", "Star",
}  # fmt: skip
ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50}

# All-caps words said as words although the pronounceability test below would say letters, and vice versa.
ACRONYMS_AS_WORDS = {
    "NATO", "START", "NASA", "OPEC", "UNESCO", "UNICEF", "COVID", "AIDS", "NAFTA", "ASEAN", "BRICS", "SWIFT",
    "TASS", "ISIS", "FIFA", "UEFA", "NASDAQ", "INTERPOL", "FEMA", "OSHA", "NORAD", "DARPA", "SARS", "MERS", "ICE",
    "SALT", "CERN", "FRONTEX", "MERCOSUR", "SCOTUS", "POTUS", "LASER", "RADAR", "NIMBY", "GOP", "UNRWA", "NOAA",
}  # fmt: skip
ACRONYMS_AS_LETTERS = {
    "OSCE", "IAEA", "USSR", "NYPD", "UNHCR", "HSBC", "IMF", "FBI", "CIA", "ACLU", "OECD", "USAID", "NAACP", "AARP",
    "DPRK", "UAE", "EPA", "WHO", "IOC", "ESPN", "NCAA", "NBA", "NFL", "BBC", "CNN", "NHS", "GDP", "RIA", "LGBTQ",
}  # fmt: skip
VOWELS = set("AEIOU")


def roman_value(numeral: str) -> int | None:
    total, previous = 0, 0
    for ch in reversed(numeral):
        value = ROMAN_VALUES.get(ch)
        if value is None:
            return None
        total += -value if value < previous else value
        previous = max(previous, value)
    # Reject non-canonical spellings like "IIII" or "VV": they are words, not numerals.
    canonical = _to_roman(total) if 0 < total < 90 else ""
    return total if canonical == numeral else None


def _to_roman(number: int) -> str:
    out = ""
    for value, letters in ((50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while number >= value:
            out += letters
            number -= value
    return out


def acronym_is_word(word: str) -> bool:
    """Whether an all-caps word is said as a word (NATO) rather than letter by letter (FSB, GRU)."""
    if word in ACRONYMS_AS_WORDS:
        return True
    if word in ACRONYMS_AS_LETTERS or len(word) <= 3:
        return False
    if not any(ch in VOWELS for ch in word[1:]):
        return False
    # Three consonants or three vowels in a row are not an English syllable: USSR, IAEA.
    runs = re.findall(r"[AEIOU]{3,}|[^AEIOU]{3,}", word)
    return not runs
