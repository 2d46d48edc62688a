"""The speech engines behind the one-method interface: espeak (fast), Piper (one slow test), the registry."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from masthead.narration.engines import EngineError, get_engine
from masthead.narration.engines.espeak import EspeakEngine
from masthead.narration.engines.piper import LEVEL, MAX_CHUNK_CHARS, chunks


def test_espeak_speaks_and_names_its_voice():
    engine = EspeakEngine()
    short, longer = engine.synthesize("Hello."), engine.synthesize("Hello. This sentence is a good deal longer than the first.")
    assert short.sample_rate == 22050 and len(short.pcm) % 2 == 0
    assert longer.seconds > short.seconds > 0.2
    assert engine.voice_id.startswith("espeak-ng-") and "en-us" in engine.voice_id


def test_espeak_reads_leading_dashes_as_text_not_options():
    assert EspeakEngine().synthesize("--help is not an option here").seconds > 0.5


def test_espeak_failure_says_retry_can_help():
    engine = EspeakEngine()
    engine.binary = "/nonexistent/espeak-ng"
    with pytest.raises(EngineError) as err:
        engine.synthesize("Hello.")
    assert err.value.retryable is True


def test_registry_rejects_unknown_engine_by_name():
    with pytest.raises(ImproperlyConfigured, match="NARRATION_ENGINE.*'nonsense'"):
        get_engine("nonsense")


def test_registry_returns_one_engine_per_process():
    assert get_engine("espeak") is get_engine("espeak")


CHUNK_TEXT = (
    "Notably, Russia's ambassador to Washington, Anatoly Antonov, had stated earlier on March twenty-sixth that the "
    "diplomatic mission had only had transitory contacts with the U S administration. Short one. "
    "Said [[ pʲɪskˈof ]] and a very long clause without any commas that goes on and on well past the limit set for chunks."
)


@pytest.mark.parametrize("limit", [MAX_CHUNK_CHARS, 60])
def test_piper_chunks_stay_short_and_lose_no_words(limit):
    pieces = chunks(CHUNK_TEXT, limit)
    assert all(len(text) <= limit for text, _ in pieces)
    assert " ".join(text for text, _ in pieces).split() == CHUNK_TEXT.split()
    assert "[[ pʲɪskˈof ]]" in " ".join(text for text, _ in pieces)  # never cut inside phonemes
    # A longer pause at each sentence end than at a clause cut.
    assert [text for text, pause in pieces if pause > 0.1][-2:] == ["Short one.", pieces[-1][0]]


def test_piper_chunks_cut_long_sentences_at_clauses_before_words():
    pieces = [text for text, _ in chunks(CHUNK_TEXT)]
    assert pieces[0].endswith("Anatoly Antonov,")  # the first sentence (191 characters) is cut at a comma
    assert "Short one." in pieces


def test_a_long_clause_without_commas_is_cut_before_a_clause_word_not_mid_phrase():
    text = (
        "Russian Deputy Foreign Minister Sergey Ryabkov admitted that meaningful negotiations with the United States "
        "were impossible under circumstances at that point of time because the dialogue had stopped long before."
    )
    pieces = [piece for piece, _ in chunks(text, 80)]
    assert len(pieces) > 1 and " ".join(pieces) == text
    for piece in pieces[1:]:
        assert piece.split()[0] in {"that", "because", "with", "under", "at"}, pieces
    assert not any(piece.endswith(" at") for piece in pieces)  # "at | that point" is one phrase


@pytest.mark.slow
def test_piper_speaks_a_short_paragraph_with_phonemes():
    from masthead.narration.engines.piper import PiperEngine

    engine = PiperEngine()
    plain = engine.synthesize("The Kremlin said talks with Washington could resume.")
    phonemes = engine.synthesize("Dmitry [[ pʲɪskˈof ]] said talks could resume.")
    assert plain.sample_rate == 22050
    assert 1.5 < plain.seconds < 8 and 1.0 < phonemes.seconds < 8
    # Not silence: speech at the fixed LEVEL peaks well above a quarter of full scale.
    peak = max(abs(int.from_bytes(plain.pcm[i : i + 2], "little", signed=True)) for i in range(0, len(plain.pcm), 2))
    assert peak > 10000
    assert engine.voice_id.startswith("piper-1.8.0/en_US-joe-medium")
    assert engine.voice_id.endswith(f"/level{LEVEL}-chunk{MAX_CHUNK_CHARS}-clauses")  # rendering changes are new cache keys
