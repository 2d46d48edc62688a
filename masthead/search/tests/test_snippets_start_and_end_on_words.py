"""A snippet starts and ends on whole words (issue #12: "… prehensive discussion")."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from masthead.search.snippets import make_snippet

LONG_WORDS = "x " * 100


def _plain(snippet: str) -> str:
    return re.sub(r"</?mark>", "", snippet).removeprefix("… ").removesuffix(" …")


def test_a_hit_far_into_a_sentence_does_not_cut_the_word_before_it():
    text = LONG_WORDS + "A comprehensive discussion of the rare treaty"
    snippet = str(make_snippet(text, "rare", limit=60))
    assert snippet.startswith("… "), snippet
    assert _plain(snippet).split(" ", 1)[0] in text.split(" "), snippet
    assert "<mark>rare</mark>" in snippet


def test_text_without_a_full_stop_starts_at_its_first_letter():
    assert str(make_snippet("Ceasefire talks resume", "talks")) == "Ceasefire <mark>talks</mark> resume"


def test_marking_never_breaks_an_escaped_character():
    assert str(make_snippet("Profits & losses; amp up", "amp")) == "Profits &amp; losses; <mark>amp</mark> up"


def test_terms_are_found_as_words_not_inside_other_words():
    text = "The start of the story. " + "Filler sentence without it. " * 10 + "Art collectors met in Basel."
    snippet = str(make_snippet(text, "art"))
    assert "<mark>Art</mark> collectors" in snippet
    assert "st<mark>art</mark>" not in snippet


def test_a_short_term_is_not_marked_at_the_start_of_a_longer_word():
    snippet = str(make_snippet("They met there, and the talks went on; the committee talked.", "the talk"))
    assert snippet == (
        "They met there, and <mark>the</mark> <mark>talks</mark> went on; <mark>the</mark> committee <mark>talked</mark>."
    )


words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzé", min_size=1, max_size=14)


@settings(max_examples=60, deadline=None)
@given(st.lists(words, min_size=1, max_size=120), st.integers(min_value=0, max_value=119), st.integers(40, 300))
def test_every_snippet_is_made_of_whole_words_of_the_text(text_words, at, limit):
    text = " ".join(text_words)
    query = text_words[at % len(text_words)]
    plain = _plain(str(make_snippet(text, query, limit=limit)))
    assert set(plain.split(" ")) <= set(text_words), (text, query, plain)
