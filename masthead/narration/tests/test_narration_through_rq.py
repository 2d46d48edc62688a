"""With REDIS_URL set, narration jobs go to RQ and a plain `rqworker narration` runs them (scale-out path)."""

from __future__ import annotations

import pytest

from masthead.narration import tasks
from masthead.narration.engines import register_engine
from masthead.narration.selectors import current_narration
from masthead.narration.tests.support import CountingEngine, make_long_article


@pytest.fixture
def rq_settings(settings, redis_server):
    # What settings.py sets when REDIS_URL is given (asserted below against the module itself).
    settings.RQ_QUEUES = {name: {"URL": redis_server} for name in settings.TASK_QUEUES}
    settings.RQ = {"JOB_CLASS": "django_tasks_rq.Job"}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": settings.TASK_QUEUES}}
    engine = CountingEngine(voice_id="counting-rq")
    register_engine("counting", lambda: engine)
    settings.NARRATION_ENGINE = "counting"
    return engine


def test_a_queued_narration_is_spoken_by_an_rq_worker_on_the_narration_queue(magazine, rq_settings):
    import django_rq
    from rq.worker import SimpleWorker

    page = make_long_article(magazine, paragraphs=3)
    tasks.enqueue_article(page)
    queued = django_rq.get_queue("narration").jobs
    assert [job.func_name for job in queued] == ["masthead.narration.tasks.narrate_article"]

    # The job class comes from settings.RQ, as for `manage.py rqworker narration`; SimpleWorker runs
    # the job in this process (a forked one would not see this test's transaction).
    worker = django_rq.get_worker("narration", worker_class=SimpleWorker)
    assert worker.work(burst=True)

    narration = current_narration(page, "full")
    assert narration is not None and narration.status == "ready"
    assert len(rq_settings.calls) == 2 + 3  # headline, byline, three paragraphs


def test_settings_give_rq_workers_the_django_tasks_job_class(monkeypatch):
    import importlib

    import masthead.settings as module

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6399/0")
    try:
        configured = importlib.reload(module)
        assert configured.RQ == {"JOB_CLASS": "django_tasks_rq.Job"}
        # Every queue a task can be sent to must have an RQ queue behind it,
        # or enqueueing on the scale-out stack fails where SQLite passed.
        assert set(configured.RQ_QUEUES) == set(configured.TASK_QUEUES)
        assert set(configured.TASKS["default"]["QUEUES"]) == set(configured.TASK_QUEUES)
        assert {"default", "narration"} <= set(configured.TASK_QUEUES)
    finally:
        monkeypatch.delenv("REDIS_URL")
        importlib.reload(module)
