"""Background jobs (django-tasks): thin wrappers that take primary keys and are safe to run twice.

Backend: django_tasks_db by default, RQ when REDIS_URL is set (see settings.TASKS).
narrate_article runs on the "narration" queue (``manage.py db_worker --queue-name narration``),
so the one worker that loads the voice is the one that needs it. Duplicate or repeated jobs are harmless:
services.narrate claims its row before doing any work.
"""

from __future__ import annotations

from typing import Any

from django_tasks import task

from masthead.narration import services
from masthead.narration.models import Narration


@task(queue_name="narration")
def narrate_article(page_id: int, revision_id: int, variant: str) -> str:
    try:
        narration = services.narrate(page_id=page_id, revision_id=revision_id, variant=variant)
    except services.NarrationError as exc:
        # The page was deleted or unpublished before the worker got here: nothing to do, nothing to retry.
        return f"skipped: {exc}"
    return narration.status


@task()
def refresh_after_lexicon_change() -> int:
    """Re-narrate live articles whose spoken text the lexicon now changes (unchanged paragraphs come from the clip cache)."""
    changed = services.stale_narrations()
    for narration in changed:
        narrate_article.enqueue(narration.page_id, narration.revision_id, narration.variant)
    return len(changed)


def enqueue_article(page: Any, *, revision_id: int | None = None) -> list[Narration]:
    """Queue narration of a published revision (both variants when gated). Used on publish and by staff re-queue."""
    rows = services.queue_article(page, revision_id=revision_id)
    for row in rows:
        narrate_article.enqueue(page.pk, row.revision_id, row.variant)
    return rows
