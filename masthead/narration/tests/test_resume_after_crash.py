"""A job that dies half way keeps its finished paragraphs; the rerun does only the rest."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from masthead.narration import services
from masthead.narration.models import Clip, Narration
from masthead.narration.tests.support import CountingEngine, make_long_article


def test_engine_failure_then_rerun_resumes(magazine):
    page = make_long_article(magazine, paragraphs=10)
    crashing = CountingEngine(fail_on_call=6)
    failed = services.narrate(page_id=page.pk, engine=crashing)
    assert failed.status == "failed" and "simulated crash" in failed.error
    assert not failed.audio
    assert Clip.objects.count() == 5  # persisted as they were made

    healthy = CountingEngine()
    done = services.narrate(page_id=page.pk, engine=healthy)
    assert done.pk == failed.pk and done.status == "ready"
    assert len(healthy.calls) == 12 - 5  # 12 segments in all, 5 already cached
    assert done.attempts == 2


def test_unexpected_error_frees_the_claim(magazine):
    page = make_long_article(magazine, paragraphs=3)

    class Exploding(CountingEngine):
        def synthesize(self, text):
            if len(self.calls) == 2:
                raise RuntimeError("worker killed")
            return super().synthesize(text)

    try:
        services.narrate(page_id=page.pk, engine=Exploding())
    except RuntimeError:
        pass
    row = Narration.objects.get(page=page)
    assert row.status == "queued" and row.claimed_at is None
    healthy = CountingEngine()
    assert services.narrate(page_id=page.pk, engine=healthy).status == "ready"
    assert len(healthy.calls) == 5 - 2


def test_killed_worker_is_resumed_after_the_job_timeout(magazine, settings):
    """SIGKILL leaves the row 'running' with its claim; once the claim is older than the timeout, a new job takes over."""
    settings.NARRATION_JOB_TIMEOUT = 600
    page = make_long_article(magazine, paragraphs=2)
    engine = CountingEngine()
    Narration.objects.create(
        page=page,
        revision_id=page.live_revision_id,
        variant="full",
        voice=services.voice_of(engine),
        status="running",
        claimed_at=timezone.now(),
    )
    busy = services.narrate(page_id=page.pk, engine=engine)
    assert busy.status == "running" and engine.calls == []  # a live claim: leave it alone

    Narration.objects.update(claimed_at=timezone.now() - timedelta(seconds=601))
    resumed = services.narrate(page_id=page.pk, engine=engine)
    assert resumed.status == "ready" and len(engine.calls) == 4
