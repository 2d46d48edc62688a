"""Text preparation: what an article says, rewritten as a narrator would read it aloud.

Speech engines read text literally and badly: Piper (through espeak-ng) says
"dollar five point two billion", "world war roman two", "march twenty six".
Everything here turns written conventions into spoken words before synthesis.

Order of work for one paragraph (``prepare``):
1. Editors' lexicon entries are matched on the original text and protected, so
   an editor's decision always wins over the rules below.
2. The RULES table (rules.py) runs top to bottom; each row is (name, pattern,
   replacement). The words the rules say come from words.py.
3. Protected lexicon text is put back, whitespace tidied.

``article_segments`` walks a page in reading order: headline, standfirst,
byline ("By Angeline Tan. March 28, 2024."), then the body paragraphs and
headings (pull quotes repeat the body and images have no words, so both are
skipped). Each segment keeps its StreamField block id, so the player can
highlight the paragraph being read, and its written text, which is what a
transcript shows (the spoken text has dotted letters and lexicon phonemes).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.html import strip_tags

from masthead.narration.textprep.rules import RULES, Rule, apply_rules
from masthead.narration.textprep.words import (
    acronym_is_word,
    cardinal,
    ends_sentence,
    ordinal,
    roman_value,
    spell_letters,
    year,
)

__all__ = [
    "RULES",
    "Pronunciation",
    "Rule",
    "Segment",
    "acronym_is_word",
    "apply_rules",
    "article_segments",
    "byline",
    "cardinal",
    "ends_sentence",
    "load_lexicon",
    "ordinal",
    "prepare",
    "roman_value",
    "spell_letters",
    "written_segments",
    "year",
]


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
    # headline | standfirst | byline | heading | paragraph: how a transcript sets it.
    kind: str = "paragraph"


def byline(page: Any) -> str:
    names = [author.title for author in getattr(page, "authors", [])]
    if len(names) > 1:
        names = [", ".join(names[:-1]) + " and " + names[-1]]
    when = f"{page.date:%B} {page.date.day}, {page.date.year}." if getattr(page, "date", None) else ""
    by = f"By {names[0]}." if names else ""
    return f"{by} {when}".strip()


def written_segments(page: Any, variant: str) -> list[tuple[str, str, str]]:
    """(block_id, kind, written text) in reading order for the full article or its teaser."""
    parts: list[tuple[str, str, str]] = [("headline", "headline", page.title)]
    if getattr(page, "dek", ""):
        parts.append(("standfirst", "standfirst", page.dek))
    if line := byline(page):
        parts.append(("byline", "byline", line))
    blocks = page.full_blocks() if variant == "full" else page.preview_blocks()
    for block in blocks:
        if block.block_type == "paragraph":
            text = strip_tags(block.value.source)
        elif block.block_type == "heading":
            text = str(block.value)
        else:
            continue
        text = re.sub(r"\s+", " ", html.unescape(text)).strip()
        if text:
            parts.append((str(block.id), str(block.block_type), text))
    return parts


def article_segments(page: Any, variant: str, lexicon: Sequence[Pronunciation] = (), *, phonemes: bool = False) -> list[Segment]:
    segments = []
    for block_id, kind, written in written_segments(page, variant):
        spoken = prepare(written, lexicon, phonemes=phonemes)
        # Headline and byline have no closing stop; without one the engine runs them into the next line.
        if spoken and spoken[-1] not in ".!?\"'":
            spoken += "."
        if re.search(r"\w", spoken):
            segments.append(Segment(block_id, written, spoken, kind))
    return segments
