"""Text preparation: what an article says, rewritten as a narrator would read it aloud.

Speech engines read text literally and badly: Piper (through espeak-ng) says
"dollar five point two billion", "world war roman two", "march twenty six".
Everything here turns written conventions into spoken words before synthesis.

Order of work for one paragraph (``prepare``):
1. Editors' lexicon entries are matched on the original text and protected, so
   an editor's decision always wins over the rules below.
2. The RULES table runs top to bottom; each row is (name, pattern, replacement).
   Order matters: money before plain numbers, dates before years, dotted
   abbreviations before sentence splitting, Roman numerals before acronyms.
3. Protected lexicon text is put back, whitespace tidied.

``article_segments`` walks a page in reading order: headline, standfirst,
byline ("By Angeline Tan. March 28, 2024."), then the body paragraphs and
headings (pull quotes repeat the body and images have no words, so both are
skipped). Each segment keeps its StreamField block id so the player can
highlight the paragraph being read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.html import strip_tags
from num2words import num2words

# --- Numbers in words ---------------------------------------------------------


def cardinal(number: int | float | str) -> str:
    """American style: "one hundred forty", not "one hundred and forty"."""
    if isinstance(number, str):
        number = float(number) if "." in number else int(number.replace(",", ""))
    return num2words(number).replace(" and ", " ").replace(",", "")


def ordinal(number: int) -> str:
    return num2words(number, to="ordinal").replace(" and ", " ").replace(",", "")


def year(number: int) -> str:
    """2022 → "twenty twenty-two", 1905 → "nineteen oh-five", 2005 → "two thousand five"."""
    return num2words(number, to="year").replace(" and ", " ")


def spell_letters(word: str) -> str:
    return " ".join(ch for ch in word if ch.isalnum())


# --- Vocabulary ---------------------------------------------------------------

MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
    "|Jan\\.|Feb\\.|Mar\\.|Apr\\.|Jun\\.|Jul\\.|Aug\\.|Sept?\\.|Oct\\.|Nov\\.|Dec\\."
)
MONTH_NAMES = {m[:3]: m for m in MONTHS.split("|")[:12]}

# Titles and abbreviations that are always read out in full.
ABBREVIATIONS = {
    "Dr.": "Doctor",
    "Mr.": "Mister",
    "Mrs.": "Missus",
    "Ms.": "Miz",
    "Prof.": "Professor",
    "Gen.": "General",
    "Lt.": "Lieutenant",
    "Col.": "Colonel",
    "Sgt.": "Sergeant",
    "Capt.": "Captain",
    "Sen.": "Senator",
    "Rep.": "Representative",
    "Gov.": "Governor",
    "Pres.": "President",
    "Jr.": "Junior",
    "Sr.": "Senior",
    "vs.": "versus",
    "etc.": "et cetera",
    "e.g.": "for example",
    "i.e.": "that is",
    "approx.": "approximately",
}

SCALES = {"thousand": "thousand", "million": "million", "billion": "billion", "trillion": "trillion"}
SCALE_SHORT = {"k": "thousand", "m": "million", "mn": "million", "bn": "billion", "b": "billion", "tn": "trillion"}
CURRENCIES = {
    "$": ("dollar", "dollars", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"),
    "€": ("euro", "euros", "cent", "cents"),
}

# A Roman numeral after these words is a number ("World War Two"), after other names a regnal ordinal ("John Paul the Second").
CARDINAL_ROMAN_AFTER = {
    "War", "Part", "Chapter", "Act", "Phase", "Volume", "Vol", "Title", "Article", "Apollo", "Mark", "Bowl",
    "Vatican", "Stage", "Level", "Type", "Class", "Grade", "Category", "Section", "Round", "Book", "Tier", "Gemini",
}  # fmt: skip
# Capitalised words that start sentences rather than name anyone: "An IV drip" is not "An the Fourth".
NOT_NAMES = {"A", "An", "The", "His", "Her", "Its", "Our", "Their", "This", "That", "In", "On", "At", "And", "But", "Or"}
ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50}

# All-caps words read as words even though the pronounceability test below would say letters, and vice versa.
ACRONYMS_AS_WORDS = {"NATO", "START", "NASA", "OPEC", "UNESCO", "UNICEF", "COVID", "AIDS", "NAFTA", "ASEAN", "BRICS", "SWIFT"}
ACRONYMS_AS_LETTERS = {"OSCE", "IAEA", "USSR", "NYPD", "UNHCR", "HSBC", "IMF", "FBI", "CIA"}
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


# --- Rules --------------------------------------------------------------------

Replacement = Callable[[re.Match[str]], str]


def _end_of_sentence(match: re.Match[str]) -> bool:
    """A trailing abbreviation dot that also ends the sentence ("... in the U.S. The talks")."""
    rest = match.string[match.end() :]
    return rest.strip() == "" or bool(re.match(r"\s+[\"“‘']?[A-Z]", rest))


def _money(match: re.Match[str]) -> str:
    one, many, sub_one, sub_many = CURRENCIES[match["cur"]]
    amount = match["amount"].replace(",", "")
    scale = (match["scale"] or "").lower()
    scale = SCALES.get(scale) or SCALE_SHORT.get(scale, "")
    if scale:
        return f"{cardinal(amount)} {scale} {many}"
    whole, _, cents = amount.partition(".")
    words = f"{cardinal(whole)} {one if whole == '1' else many}"
    if cents and int(cents[:2].ljust(2, "0")):
        sub = int(cents[:2].ljust(2, "0"))
        words += f" and {cardinal(sub)} {sub_one if sub == 1 else sub_many}"
    return words


def _time(match: re.Match[str]) -> str:
    if not (match["minute"] or match["ampm"]):
        return match[0]  # a plain number; the number rule reads it
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    spoken = cardinal(hour)
    if minute:
        spoken += f" oh {cardinal(minute)}" if minute < 10 else f" {cardinal(minute)}"
    elif not match["ampm"]:
        spoken += " o'clock"
    if match["ampm"]:
        spoken += f" {match['ampm'][0].lower()} m"
        if _end_of_sentence(match):
            spoken += "."
    return spoken


def _month(name: str) -> str:
    return MONTH_NAMES.get(name[:3], name)


def _date_month_day(match: re.Match[str]) -> str:
    return f"{_month(match['month'])} {ordinal(int(match['day']))}"


def _date_day_month(match: re.Match[str]) -> str:
    return f"the {ordinal(int(match['day']))} of {_month(match['month'])}"


def _decade(match: re.Match[str]) -> str:
    words = year(int(match["year"]))
    # "nineteen ninety" → "nineteen nineties"; "two thousand" → "two thousands".
    if words.endswith("y"):
        return words[:-1] + "ies"
    return words + "s"


def _roman(match: re.Match[str]) -> str:
    before, numeral = match["before"], match["numeral"]
    value = roman_value(numeral)
    if value is None or before in NOT_NAMES:
        return match[0]
    if before in CARDINAL_ROMAN_AFTER:
        return f"{before} {cardinal(value).title()}"
    return f"{before} the {ordinal(value).title()}"


def _dotted_abbreviation(match: re.Match[str]) -> str:
    spoken = spell_letters(match[0])
    return spoken + "." if _end_of_sentence(match) else spoken


def _acronym(match: re.Match[str]) -> str:
    word, plural = match["word"], match["plural"] or ""
    if acronym_is_word(word):
        return word.capitalize() + plural
    return spell_letters(word) + ("'s" if plural else "")


def _number(match: re.Match[str]) -> str:
    return cardinal(match[0].replace(",", ""))


def _year(match: re.Match[str]) -> str:
    return year(int(match[0]))


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    replace: str | Replacement


def _rule(name: str, pattern: str, replace: str | Replacement, flags: int = 0) -> Rule:
    return Rule(name, re.compile(pattern, flags), replace)


ABBREVIATION_PATTERN = "|".join(re.escape(a) for a in sorted(ABBREVIATIONS, key=len, reverse=True))

RULES: Sequence[Rule] = (
    # Typography first, so later patterns see plain ASCII punctuation.
    _rule("quotes", r"[“”„]", '"'),
    _rule("apostrophes", r"[‘’]", "'"),
    _rule("dashes", r"\s*[—–]\s*(?=\D)|\s+-\s+", ", "),
    _rule("number ranges", r"(?<=\d)\s*[–-]\s*(?=\d)", " to "),
    _rule("nbsp", r"[\u00a0\u2009\u202f]", " "),
    _rule("ellipsis", r"…", "..."),
    _rule("abbreviations", rf"(?<!\w)(?:{ABBREVIATION_PATTERN})(?!\w)", lambda m: ABBREVIATIONS[m[0]]),
    _rule("number sign", r"\bNo\.\s*(?=\d)", "number "),
    _rule("hash number", r"#(?=\d)", "number "),
    _rule(
        "money",
        r"(?P<cur>[$£€])\s?(?P<amount>\d[\d,]*(?:\.\d+)?)"
        r"(?:\s?(?P<scale>thousand|million|billion|trillion|bn|mn|tn|[kmb])\b)?",
        _money,
        re.IGNORECASE,
    ),
    _rule(
        "times",
        r"(?<![\d:.,])\b(?P<hour>[01]?\d|2[0-3])(?!\d)(?::(?P<minute>[0-5]\d))?(?![\d,.:]\d)"
        r"(?:\s?(?P<ampm>[ap])\.?\s?m\b\.?)?",
        _time,
        re.IGNORECASE,
    ),
    _rule("month day", rf"\b(?P<month>{MONTHS})\s+(?P<day>[1-3]?\d)(?:st|nd|rd|th)?\b(?!:)", _date_month_day),
    _rule("day month", rf"\b(?P<day>[1-3]?\d)(?:st|nd|rd|th)?\s+(?P<month>{MONTHS})\b", _date_day_month),
    _rule("percent", r"(?<=\d)\s?%", " percent"),
    _rule("decades", r"\b(?P<year>1[1-9]\d0|20\d0)'?s\b", _decade),
    _rule("ordinals", r"\b(\d+)(?:st|nd|rd|th)\b", lambda m: ordinal(int(m[1]))),
    _rule("roman numerals", r"\b(?P<before>[A-Z][a-z]+)\s+(?P<numeral>[IVXL]{2,}|(?<=War )I|(?<=War )V)\b(?![.-]\w)", _roman),
    _rule(
        "regnal I",
        r"\b(?P<title>King|Queen|Tsar|Czar|Pope|Emperor|Empress)\s+(?P<name>[A-Z][a-z]+)\s+I\b",
        lambda m: f"{m['title']} {m['name']} the First",
    ),
    # "G7", "5G", "MH17": read the letters and the number apart ("G seven", "five G", "M H seventeen").
    _rule("letters and digits", r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])", " "),
    _rule("dotted abbreviations", r"(?<![\w.])(?:[A-Za-z]\.){2,}(?!\w)", _dotted_abbreviation),
    _rule("acronyms", r"\b(?P<word>[A-Z]{2,})(?P<plural>s)?\b", _acronym),
    _rule("years", r"(?<![\d,.$])\b(?:1[1-9]\d\d|20\d\d)\b(?![,.]\d|\s?%)", _year),
    _rule("decimals and integers", r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|(?<![\w])\d+(?:\.\d+)?(?!\w)", _number),
    _rule("ampersand", r"\s&\s", " and "),
    _rule("spaces", r"[ \t]+", " "),
)


def apply_rules(text: str, rules: Iterable[Rule] = RULES) -> str:
    for rule in rules:
        text = rule.pattern.sub(rule.replace, text)
    return text.strip()


# --- Lexicon ------------------------------------------------------------------


@dataclass(frozen=True)
class Pronunciation:
    """A lexicon entry as textprep needs it (LexiconEntry rows, or plain values in tests)."""

    term: str
    kind: str  # "word" | "letters" | "respell" | "phonemes"
    replacement: str = ""
    case_sensitive: bool = True


def load_lexicon() -> list[Pronunciation]:
    from masthead.narration.models import LexiconEntry

    return [
        Pronunciation(e.term, e.kind, e.replacement, e.case_sensitive)
        for e in LexiconEntry.objects.all().only("term", "kind", "replacement", "case_sensitive")
    ]


def _spoken_entry(entry: Pronunciation, *, phonemes: bool) -> str:
    if entry.kind == "letters":
        return spell_letters(entry.term)
    if entry.kind == "word":
        return entry.term.capitalize() if entry.term.isupper() else entry.term
    if entry.kind == "phonemes":
        # Piper takes IPA inside [[ ]]; espeak's [[ ]] wants its own mnemonics, so it reads the term.
        return f"[[ {entry.replacement.strip()} ]]" if phonemes else entry.term
    return entry.replacement.strip() or entry.term


def _protect(text: str, lexicon: Sequence[Pronunciation], *, phonemes: bool) -> tuple[str, list[str]]:
    """Swap lexicon matches for placeholders the rules cannot touch."""
    kept: list[str] = []
    # Longest terms first, so "New START" wins over "START".
    for entry in sorted(lexicon, key=lambda e: len(e.term), reverse=True):
        pattern = re.compile(rf"(?<!\w){re.escape(entry.term)}(?!\w)", 0 if entry.case_sensitive else re.IGNORECASE)

        def swap(_: re.Match[str], entry: Pronunciation = entry) -> str:
            kept.append(_spoken_entry(entry, phonemes=phonemes))
            # Private-use characters: no rule matches them (digits would be read as numbers).
            return f"\ue000{chr(0xE100 + len(kept) - 1)}\ue001"

        text = pattern.sub(swap, text)
    return text, kept


def prepare(text: str, lexicon: Sequence[Pronunciation] = (), *, phonemes: bool = False) -> str:
    """One paragraph of written text → the words to speak."""
    protected, kept = _protect(text, lexicon, phonemes=phonemes)
    spoken = apply_rules(protected)
    spoken = re.sub("\ue000(.)\ue001", lambda m: kept[ord(m[1]) - 0xE100], spoken)
    return re.sub(r"\s+", " ", spoken).strip()


# --- Articles -----------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    block_id: str
    written: str
    spoken: str


def byline(page: Any) -> str:
    names = [author.title for author in getattr(page, "authors", [])]
    if len(names) > 1:
        names = [", ".join(names[:-1]) + " and " + names[-1]]
    when = f"{page.date:%B} {page.date.day}, {page.date.year}." if getattr(page, "date", None) else ""
    by = f"By {names[0]}." if names else ""
    return f"{by} {when}".strip()


def written_segments(page: Any, variant: str) -> list[tuple[str, str]]:
    """(block_id, written text) in reading order for the full article or its teaser."""
    parts: list[tuple[str, str]] = [("headline", page.title)]
    if getattr(page, "dek", ""):
        parts.append(("standfirst", page.dek))
    if line := byline(page):
        parts.append(("byline", line))
    blocks = page.full_blocks() if variant == "full" else page.preview_blocks()
    for block in blocks:
        if block.block_type == "paragraph":
            text = strip_tags(block.value.source)
        elif block.block_type == "heading":
            text = str(block.value)
        else:
            continue
        text = re.sub(r"\s+", " ", text.replace("&nbsp;", " ")).strip()
        if text:
            parts.append((str(block.id), text))
    return parts


def article_segments(page: Any, variant: str, lexicon: Sequence[Pronunciation] = (), *, phonemes: bool = False) -> list[Segment]:
    segments = []
    for block_id, written in written_segments(page, variant):
        spoken = prepare(written, lexicon, phonemes=phonemes)
        # Headline and byline have no closing stop; without one the engine runs them into the next line.
        if spoken and spoken[-1] not in ".!?\"'":
            spoken += "."
        if re.search(r"\w", spoken):
            segments.append(Segment(block_id, written, spoken))
    return segments
