"""What the engines make of prepared text, checked on their phonemes rather than by ear.

espeak-ng is the test engine; Piper (what readers hear) phonemizes with its own bundled espeak-ng,
so both are asked. Spelled letters must come out as letter names ("C.I.A" → s iː aɪ eɪ, where spaced
"C I A" gave "see eye uh"), and an abbreviation inside a sentence must not end it (the 400 ms pause
and falling pitch after "U S" in "U.S. President").
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from masthead.narration.textprep import prepare

LETTERS = {
    "A": "eɪ", "C": "siː", "D": "diː", "E": "iː", "I": "aɪ", "M": "ɛm", "N": "ɛn", "P": "piː", "R": "ɑːɹ", "S": "ɛs",
    "U": "juː", "K": "keɪ", "F": "ɛf", "B": "biː", "G": "dʒiː",
}  # fmt: skip


def espeak_sentences(text: str) -> list[str]:
    if not shutil.which("espeak-ng"):
        pytest.skip("espeak-ng is not installed")
    out = subprocess.run(["espeak-ng", "-q", "--ipa", "-v", "en-us"], input=text, capture_output=True, text=True, check=True)
    return [line.strip() for line in out.stdout.splitlines() if line.strip()]


def piper_sentences(text: str) -> list[str]:
    phonemize = pytest.importorskip("piper.phonemize_espeak")
    return ["".join(sentence) for sentence in phonemize.EspeakPhonemizer().phonemize("en-us", text)]


PHONEMIZERS = [pytest.param(espeak_sentences, id="espeak-ng"), pytest.param(piper_sentences, id="piper")]


def bare(phonemes: str) -> str:
    """Phonemes without stress, linking marks, spaces or punctuation, so letter names can be found in them."""
    out = "".join(ch for ch in phonemes if ch not in "ˈˌʲ .,|")
    return out.replace("ɹɹ", "ɹ")


@pytest.mark.parametrize("phonemize", PHONEMIZERS)
@pytest.mark.parametrize(
    ("written", "letters"),
    [
        ("The CIA said so.", "CIA"),
        ("Experts in AI agree.", "AI"),
        ("The AP reported it.", "AP"),
        ("The EPA ruled.", "EPA"),
        ("The UAE agreed.", "UAE"),
        ("RIA Novosti reported.", "RIA"),
        ("The FSB chief replied.", "FSB"),
        ("Talks with the U.N. resumed.", "UN"),
        ("At 9:30 a.m. Eastern the market opened.", "AM"),
    ],
)
def test_spelled_letters_are_letter_names(phonemize, written, letters):
    heard = bare(" ".join(phonemize(prepare(written))))
    assert "".join(LETTERS[letter] for letter in letters) in heard


@pytest.mark.parametrize("phonemize", PHONEMIZERS)
@pytest.mark.parametrize(
    ("written", "heard_as", "not_heard_as"),
    [
        ("Plan A failed.", "plæneɪfeɪld", "plænɐ"),
        ("M&A deals slowed.", "ɛmændeɪdiːlz", "ændɐ"),
        ("The A team won.", "eɪtiːm", "ɐtiːm"),
    ],
)
def test_a_lone_letter_a_is_its_name_not_the_article(phonemize, written, heard_as, not_heard_as):
    heard = bare(" ".join(phonemize(prepare(written))))
    assert heard_as in heard and not_heard_as not in heard


@pytest.mark.parametrize("phonemize", PHONEMIZERS)
def test_spaced_letters_were_not_letter_names(phonemize):
    """The old spelling, for contrast: a lone "A" is the article (ɐ), so the check above can fail."""
    assert "siːaɪeɪ" not in bare(" ".join(phonemize("The C I A said so.")))


@pytest.mark.parametrize("phonemize", PHONEMIZERS)
@pytest.mark.parametrize(
    "written",
    [
        "U.S. President Joe Biden spoke.",
        "U.N. Secretary-General António Guterres spoke.",
        "The market opened at 9:30 a.m. Eastern on Friday.",
        "He flew to St. Louis on Monday.",
        "They climbed Mt. Everest in May.",
        "The base at Ft. Worth closed.",
        "Apple Inc. said it would appeal.",
        "Talks with U.S. officials resumed.",
    ],
)
def test_abbreviations_inside_a_sentence_do_not_end_it(phonemize, written):
    assert len(phonemize(prepare(written))) == 1


@pytest.mark.parametrize("phonemize", PHONEMIZERS)
def test_an_abbreviation_that_ends_a_sentence_still_ends_it(phonemize):
    assert len(phonemize(prepare("The talks were held in the U.S. The Kremlin agreed."))) == 2


@pytest.mark.parametrize("phonemize", PHONEMIZERS)
def test_street_after_a_name_and_saint_before_one(phonemize):
    heard = bare(" ".join(phonemize(prepare("They walked down Bourbon St. toward St. Louis Cathedral."))))
    assert "stɹiːt" in heard and "seɪnt" in heard
    assert heard.index("stɹiːt") < heard.index("seɪnt")
