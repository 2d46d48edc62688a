"""Editors' pronunciations reach the audio, and changing one re-narrates only what it affects."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from masthead.narration import services
from masthead.narration.engines import register_engine
from masthead.narration.models import LexiconEntry
from masthead.narration.selectors import current_narration
from masthead.narration.tests.support import CountingEngine
from masthead.testing import builders


def test_lexicon_entry_is_spoken(magazine):
    LexiconEntry.objects.create(term="Kyiv", kind="respell", replacement="Keev")
    page = builders.make_article(
        magazine.sections["Politics"], "Talks in Kyiv", authors=[magazine.author], paragraphs=["Officials met in Kyiv."]
    )
    engine = CountingEngine()
    narration = services.narrate(page_id=page.pk, engine=engine)
    assert engine.calls[0] == "Talks in Keev."
    assert "Officials met in Keev." in narration.transcript


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
