"""Duplicate jobs for one revision do the work once and leave one Narration."""

from __future__ import annotations

from masthead.narration import services, tasks
from masthead.narration.engines import register_engine
from masthead.narration.models import Narration
from masthead.narration.tests.support import CountingEngine, make_long_article


def test_second_job_finds_the_audio_ready(magazine):
    page = make_long_article(magazine, paragraphs=3)
    engine = CountingEngine()
    first = services.narrate(page_id=page.pk, engine=engine)
    calls = len(engine.calls)
    second = services.narrate(page_id=page.pk, engine=engine)
    assert second.pk == first.pk and len(engine.calls) == calls
    assert Narration.objects.filter(page=page).count() == 1


def test_only_one_of_two_racing_claims_wins(magazine):
    page = make_long_article(magazine, paragraphs=1)
    key = {"page_id": page.pk, "revision_id": page.live_revision_id, "variant": "full", "voice": "v"}
    _, first_claim = services._claim(**key)
    _, second_claim = services._claim(**key)
    assert first_claim is not None and second_claim is None
    assert Narration.objects.count() == 1


def test_enqueued_twice_through_the_task_backend(magazine, settings):
    engine = CountingEngine(voice_id="counting-task")
    register_engine("counting", lambda: engine)
    settings.NARRATION_ENGINE = "counting"
    page = make_long_article(magazine, paragraphs=2)
    for _ in range(2):
        result = tasks.narrate_article.enqueue(page.pk, page.live_revision_id, "full")
        assert result.return_value == "ready"
    assert len(engine.calls) == 4
    assert Narration.objects.filter(page=page).count() == 1
