"""Publishing queues narration in the background: both variants for gated articles, only the full one for public."""

from __future__ import annotations

import pytest

from masthead.narration.engines import register_engine
from masthead.narration.models import Narration
from masthead.narration.selectors import current_narration
from masthead.narration.tests.support import CountingEngine, edit_paragraph, make_long_article
from masthead.testing.fixtures import SECRET_MARKER


@pytest.fixture
def engine(settings):
    engine = CountingEngine(voice_id="counting-publish")
    register_engine("counting", lambda: engine)
    settings.NARRATION_ENGINE = "counting"
    settings.NARRATION_ON_PUBLISH = True
    return engine


def test_gated_article_gets_full_and_teaser(magazine, engine, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        page = make_long_article(magazine, paragraphs=5, access="subscribers")
    full, teaser = current_narration(page, "full"), current_narration(page, "teaser")
    assert full.status == teaser.status == "ready"
    assert len(full.segments) == 2 + 5
    assert len(teaser.segments) == 2 + 2  # headline, byline and the two preview paragraphs


def test_teaser_audio_never_speaks_past_the_cut(magazine, engine, django_capture_on_commit_callbacks):
    page = magazine.subscriber_article
    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision().publish()
    page.refresh_from_db()  # the live revision moved on
    teaser = current_narration(page, "teaser")
    full = current_narration(page, "full")
    assert SECRET_MARKER.split("-")[0] not in teaser.transcript.upper()
    assert "Paid paragraph" not in teaser.transcript and "Paid paragraph" in full.transcript
    assert "Preview paragraph anyone may read." in teaser.transcript


def test_public_article_gets_full_only_and_edits_renarrate(magazine, engine, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        page = make_long_article(magazine, paragraphs=3)
    assert list(Narration.objects.filter(page=page).values_list("variant", flat=True)) == ["full"]
    engine.calls.clear()
    with django_capture_on_commit_callbacks(execute=True):
        page = edit_paragraph(page, 1, "A corrected second paragraph.")
    assert engine.calls == ["A corrected second paragraph."]
    assert current_narration(page, "full").revision_id == page.live_revision_id


def test_nothing_queued_when_switched_off(magazine, engine, settings, django_capture_on_commit_callbacks):
    settings.NARRATION_ON_PUBLISH = False
    with django_capture_on_commit_callbacks(execute=True):
        make_long_article(magazine, paragraphs=1)
    assert engine.calls == [] and not Narration.objects.exists()


def test_narration_jobs_wait_on_their_own_queue_so_other_work_is_not_held_up(magazine, engine, settings):
    from django_tasks_db.models import DBTaskResult

    from masthead.narration import tasks

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": settings.TASK_QUEUES}}
    page = make_long_article(magazine, paragraphs=2)
    tasks.enqueue_article(page)
    queues = dict(DBTaskResult.objects.values_list("task_path", "queue_name"))
    assert queues.pop("masthead.narration.tasks.narrate_article") == "narration"
    # Publishing also queues search and reference-index updates: those stay on the default queue.
    assert queues and set(queues.values()) == {"default"}
