"""Search result snippets cut only from text every reader may see."""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

SNIPPET_CHARS = 240


def terms_of(query: str) -> list[str]:
    return [t for t in re.findall(r"\w+", query.lower()) if len(t) > 1][:10]


def _terms_pattern(terms: list[str]) -> re.Pattern[str] | None:
    if not terms:
        return None
    # A term marks a whole word, or the word with an inflection the index's
    # stemmer folds onto it ("talk", "talks", "talked"): never inside another
    # word ("st-art", "the-re").
    alternatives = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
    return re.compile(rf"\b(?:{alternatives})(?:{_INFLECTIONS})?\b", re.IGNORECASE)


_INFLECTIONS = "s|es|ed|d|ing|er|ers|ly|ies"


def _start_of(text: str, first: int, limit: int) -> int:
    """Where the passage around a hit at `first` begins: its sentence if close, else a word start."""
    stop = text.rfind(". ", 0, first)
    sentence = 0 if stop < 0 else stop + 2
    if first - sentence < limit // 2:
        return sentence
    start = max(0, first - limit // 3)
    if start > 0 and text[start - 1] != " ":
        # Never begin mid-word ("… prehensive"): move on to the next word.
        space = text.find(" ", start, first)
        start = first if space < 0 else space + 1
    return start


def _passage(text: str, start: int, limit: int) -> str:
    end = start + limit
    passage = text[start:end]
    if end < len(text):
        if text[end] != " " and " " in passage:
            passage = passage.rsplit(" ", 1)[0]
        passage = passage.rstrip() + " …"
    if start > 0 and text[start - 2 : start] != ". ":
        passage = "… " + passage
    return passage


def make_snippet(text: str, query: str, *, limit: int = SNIPPET_CHARS) -> SafeString:
    """The passage around the first query term, escaped, with the terms marked.

    `text` must already be reader-safe (the anonymous reading); this function
    only chooses and decorates a part of it.
    """
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return mark_safe("")  # noqa: S308 — empty string
    pattern = _terms_pattern(terms_of(query))
    hit = pattern.search(text) if pattern else None
    passage = _passage(text, _start_of(text, hit.start(), limit) if hit else 0, limit)
    # Mark on the raw text and escape the pieces, so a term never lands inside an entity ("&amp;").
    html, at = [], 0
    for match in pattern.finditer(passage) if pattern else ():
        html += [str(escape(passage[at : match.start()])), f"<mark>{escape(match.group(0))}</mark>"]
        at = match.end()
    html.append(str(escape(passage[at:])))
    return mark_safe("".join(html))  # noqa: S308 — built from escaped text
