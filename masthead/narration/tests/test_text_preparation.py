"""Text preparation turns written conventions into the words a narrator says (table-driven)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from masthead.narration.textprep import Pronunciation, acronym_is_word, prepare, roman_value

CASES = [
    # The examples.
    ("Kremlin Unveils Conditions for Talks With U.S.", "Kremlin Unveils Conditions for Talks With U.S."),
    ("talks with U.S. officials", "talks with U.S officials"),
    ("The FSB said", "The F.S.B said"),
    ("the GRU and the FSB", "the G.R.U and the F.S.B"),
    ("On March 26 the talks", "On March twenty-sixth the talks"),
    ("some 140 people", "some one hundred forty people"),
    ("worth $5.2 billion", "worth five point two billion dollars"),
    # Years, dates, ordinals.
    ("in 2022", "in twenty twenty-two"),
    ("March 28, 2024.", "March twenty-eighth, twenty twenty-four."),
    ("on 26 March", "on the twenty-sixth of March"),
    ("Mar. 3", "March third"),
    ("the 21st century", "the twenty-first century"),
    ("in the 1990s", "in the nineteen nineties"),
    ("in 2022–23", "in twenty twenty-two to twenty-three"),
    # Money, percent, numbers.
    ("costs $20.50", "costs twenty dollars and fifty cents"),
    ("a $1 coin", "a one dollar coin"),
    ("£3m", "three million pounds"),
    ("rose 3.5%", "rose three point five percent"),
    ("1,019 words", "one thousand nineteen words"),
    # Times.
    ("at 3:30 p.m.", "at three thirty P.M."),
    ("at 3:30 p.m. Then", "at three thirty P.M. Then"),
    ("at 3:30 p.m. on Friday", "at three thirty p.m on Friday"),
    ("by 10:05", "by ten oh five"),
    ("at 9 a.m. sharp", "at nine a.m sharp"),
    # Titles and numbers.
    ("No. 5 on the list", "number five on the list"),
    ("said Dr. Zakharova", "said Doctor Zakharova"),
    # Roman numerals, and "I" the pronoun left alone.
    ("after World War II", "after World War Two"),
    ("before World War I began", "before World War One began"),
    ("Pope John Paul II", "Pope John Paul the Second"),
    ("Louis XIV", "Louis the Fourteenth"),
    ("King Charles I", "King Charles the First"),
    ("I think I am right", "I think I am right"),
    ("An IV drip", "An I.V drip"),
    # Acronyms: letters or words.
    ("NATO and New START", "Nato and New Start"),
    ("the USSR and the IAEA", "the U.S.S.R and the I.A.E.A"),
    ("the CEOs", "the C.E.O.'s"),
    ("the G7 and 5G", "the G seven and five G"),
    ("flight MH17", "flight M.H seventeen"),
    # Typography.
    ("Russia’s “conditions” — again", 'Russia\'s "conditions", again'),
]


@pytest.mark.parametrize(("written", "spoken"), CASES, ids=[c[0] for c in CASES])
def test_rules(written, spoken):
    assert prepare(written) == spoken


LEXICON_CASES = [
    # term, kind, replacement, text, expected (espeak), expected (piper, phonemes allowed)
    ("Kyiv", "respell", "Keev", "in Kyiv today", "in Keev today", "in Keev today"),
    ("Peskov", "phonemes", "pʲɪskˈof", "said Peskov.", "said Peskov.", "said [[ pʲɪskˈof ]]."),
    ("SWIFT", "letters", "", "the SWIFT system", "the S.W.I.F.T system", "the S.W.I.F.T system"),
    ("GRU", "word", "", "the GRU said", "the Gru said", "the Gru said"),
    # The editor's entry wins over the rules: without it "U.N." would be "U N".
    ("U.N.", "respell", "United Nations", "at the U.N. today", "at the United Nations today", "at the United Nations today"),
]


@pytest.mark.parametrize(
    ("term", "kind", "replacement", "text", "espeak", "piper"), LEXICON_CASES, ids=[c[0] for c in LEXICON_CASES]
)
def test_lexicon(term, kind, replacement, text, espeak, piper):
    lexicon = [Pronunciation(term, kind, replacement)]
    assert prepare(text, lexicon) == espeak
    assert prepare(text, lexicon, phonemes=True) == piper


def test_lexicon_case_sensitivity():
    exact = [Pronunciation("Turkey", "respell", "Türkiye", case_sensitive=True)]
    loose = [Pronunciation("turkey", "respell", "Türkiye", case_sensitive=False)]
    assert prepare("roast turkey in Turkey", exact) == "roast turkey in Türkiye"
    assert prepare("TURKEY", loose) == "Türkiye"


def test_longest_lexicon_term_wins():
    lexicon = [Pronunciation("START", "letters"), Pronunciation("New START", "respell", "New Start treaty")]
    assert prepare("New START and START", lexicon) == "New Start treaty and S.T.A.R.T"


@pytest.mark.parametrize(
    ("numeral", "value"), [("II", 2), ("IV", 4), ("XIV", 14), ("XL", 40), ("IIII", None), ("VV", None), ("IL", None)]
)
def test_roman_values(numeral, value):
    assert roman_value(numeral) == value


@pytest.mark.parametrize(
    ("word", "as_word"), [("NATO", True), ("FSB", False), ("GRU", False), ("NASA", True), ("USSR", False), ("BRICS", True)]
)
def test_acronym_pronounceability(word, as_word):
    assert acronym_is_word(word) is as_word


WRITTEN = st.lists(
    st.sampled_from(
        [
            *"0123456789 ,.:$£€%-–—/'\"",
            "A",
            "Z",
            "a",
            "z",
            "March ",
            "No. ",
            "p.m.",
            "U.S.",
            "World War ",
            " II",
            "Dr. ",
            "1990s",
            "21st",
            "billion",
        ]
    ),
    max_size=30,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(WRITTEN)
def test_no_digit_reaches_the_engine(text):
    """Whatever the mix of numbers and punctuation, every digit becomes a word (engines misread digit strings)."""
    assert not any(ch.isdigit() for ch in prepare(text))
