"""Editors' pronunciations reach the audio, and changing one re-narrates only what it affects."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from masthead.narration import services, transcripts
from masthead.narration.engines import register_engine
from masthead.narration.models import LexiconEntry
from masthead.narration.selectors import current_narration
from masthead.narration.tests.support import CountingEngine
from masthead.testing import builders


def test_lexicon_entry_is_spoken(magazine):
    LexiconEntry.objects.update_or_create(term="Kyiv", case_sensitive=True, defaults={"kind": "respell", "replacement": "Keev"})
    page = builders.make_article(
        magazine.sections["Politics"], "Talks in Kyiv", authors=[magazine.author], paragraphs=["Officials met in Kyiv."]
    )
    engine = CountingEngine()
    narration = services.narrate(page_id=page.pk, engine=engine)
    assert engine.calls[0] == "Talks in Keev."
    assert narration.segments[-1]["text"] == "Officials met in Keev."


def test_transcripts_show_the_written_words_not_phonemes(magazine):
    """Phoneme entries reach Piper as [[ IPA ]]; readers of the transcript see "Peskov"."""
    LexiconEntry.objects.update_or_create(
        term="Peskov", case_sensitive=True, defaults={"kind": "phonemes", "replacement": "pʲɪskˈof"}
    )
    page = builders.make_article(
        magazine.sections["Politics"], "Peskov", authors=[magazine.author], paragraphs=["Mr. Peskov said the U.S. erred."]
    )
    engine = CountingEngine()
    engine.phonemes_ipa = True
    narration = services.narrate(page_id=page.pk, engine=engine)
    assert engine.calls[-1] == "Mister [[ pʲɪskˈof ]] said the U.S erred."
    assert narration.segments[-1]["written"] == "Mr. Peskov said the U.S. erred."
    assert "Mr. Peskov said the U.S. erred." in narration.transcript
    assert "[[" not in narration.transcript and "[[" not in transcripts.webvtt(narration)
    assert "Mr. Peskov said the U.S. erred." in transcripts.webvtt(narration)


def test_a_failed_refresh_is_retried_by_the_next_lexicon_edit(magazine, settings, django_capture_on_commit_callbacks):
    engine = CountingEngine(voice_id="counting-retry")
    register_engine("counting", lambda: engine)
    settings.NARRATION_ENGINE = "counting"
    settings.NARRATION_ON_PUBLISH = True
    with django_capture_on_commit_callbacks(execute=True):
        page = builders.make_article(
            magazine.sections["Politics"], "Spies", authors=[magazine.author], paragraphs=["The GRU was blamed.", "Then Tallinn."]
        )
    first = current_narration(page, "full")
    engine.fail_on_call = len(engine.calls) + 1  # the refresh's first synthesis fails
    with django_capture_on_commit_callbacks(execute=True):
        LexiconEntry.objects.create(term="GRU", kind="respell", replacement="Main Intelligence Directorate")
    failed = current_narration(page, "full")
    assert failed.pk == first.pk and failed.stale and failed.audio.name == first.audio.name  # old audio still plays

    engine.fail_on_call = None
    with django_capture_on_commit_callbacks(execute=True):  # an unrelated edit: the stale narration is retried too
        LexiconEntry.objects.create(term="Tallinn", kind="respell", replacement="Tah-lin")
    refreshed = current_narration(page, "full")
    assert not refreshed.stale and refreshed.audio.name != first.audio.name
    assert "The Main Intelligence Directorate was blamed." in engine.calls


def test_lexicon_change_renarrates_only_affected_paragraphs(magazine, settings, django_capture_on_commit_callbacks):
    engine = CountingEngine(voice_id="counting-lexicon")
    register_engine("counting", lambda: engine)
    settings.NARRATION_ENGINE = "counting"
    settings.NARRATION_ON_PUBLISH = True
    with django_capture_on_commit_callbacks(execute=True):
        page = builders.make_article(
            magazine.sections["Politics"],
            "Spies and Diplomats",
            authors=[magazine.author],
            paragraphs=["The GRU was blamed.", "Diplomats met on Friday.", "Nothing else happened."],
        )
        untouched = builders.make_article(
            magazine.sections["Politics"], "Weather", authors=[magazine.author], paragraphs=["Rain on Friday."]
        )
    before = current_narration(page, "full")
    untouched_before = current_narration(untouched, "full")
    engine.calls.clear()

    with django_capture_on_commit_callbacks(execute=True):
        LexiconEntry.objects.create(term="GRU", kind="respell", replacement="Main Intelligence Directorate")

    assert engine.calls == ["The Main Intelligence Directorate was blamed."]
    after = current_narration(page, "full")
    assert after.pk == before.pk and after.audio.name != before.audio.name
    assert current_narration(untouched, "full").audio.name == untouched_before.audio.name


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"term": " ", "kind": "word"}, "term"), ({"term": "Kyiv", "kind": "respell"}, "replacement"),
     ({"term": "Kyiv", "kind": "phonemes", "replacement": "[[kiv]]"}, "replacement")],
)  # fmt: skip
def test_lexicon_entry_validation_names_the_field(fields, field):
    with pytest.raises(ValidationError) as err:
        LexiconEntry(**fields).clean()
    assert field in err.value.message_dict
