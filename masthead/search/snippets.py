"""Search result snippets cut only from text every reader may see."""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

SNIPPET_CHARS = 240


def terms_of(query: str) -> list[str]:
    return [t for t in re.findall(r"\w+", query.lower()) if len(t) > 1][:10]


def make_snippet(text: str, query: str, *, limit: int = SNIPPET_CHARS) -> SafeString:
    """The passage around the first query term, escaped, with the terms marked.

    `text` must already be reader-safe (the anonymous reading); this function
    only chooses and decorates a part of it.
    """
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return mark_safe("")  # noqa: S308 — empty string
    terms = terms_of(query)
    lowered = text.lower()
    hits = [i for i in (lowered.find(t) for t in terms) if i >= 0]
    start = 0
    if hits:
        # Back up to the start of the sentence holding the first hit, if close.
        first = min(hits)
        sentence = max(text.rfind(". ", 0, first) + 2, 0)
        start = sentence if first - sentence < limit // 2 else max(0, first - limit // 3)
    passage = text[start : start + limit]
    if start + limit < len(text):
        passage = passage.rsplit(" ", 1)[0] + " …"
    if start > 0 and not text[start - 2 : start] == ". ":
        passage = "… " + passage
    html: str = str(escape(passage))
    if terms:
        pattern = re.compile("|".join(re.escape(escape(t)) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
        html = pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", html)
    return mark_safe(html)  # noqa: S308 — built from escaped text
