"""Background jobs (django-tasks): thin wrappers that take primary keys and are safe to run twice.

Backend: django_tasks_db by default, RQ when REDIS_URL is set (see settings.TASKS).
narrate_article runs on the "narration" queue (``manage.py db_worker --queue-name narration``),
so the one worker that loads the voice is the one that needs it. Duplicate or repeated jobs are harmless:
services.narrate claims its row before doing any work.
"""

from __future__ import annotations

from typing import Any

from django_tasks import task
from django_tasks.base import DEFAULT_TASK_PRIORITY, TASK_MAX_PRIORITY

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


# What a reader meets first (the home page, the current issue) is narrated before the archive: after a
# demo or an import publishes dozens of articles at once, players appear where readers look, not in the
# order the articles happened to be saved.
FRONT_PRIORITY = TASK_MAX_PRIORITY


def front_article_ids() -> set[int]:
    """The home page's articles and the current issue's contents."""
    from masthead.newsroom.models import HomePage, IssuePage

    ids: set[int] = set()
    for home in HomePage.objects.live():
        ids |= home.front_article_ids()
    issue = IssuePage.objects.live().newest_first().first()
    if issue is not None:
        ids.update(article.pk for article in issue.contents())
    return ids


def priority_for(page: Any) -> int:
    return FRONT_PRIORITY if page.pk in front_article_ids() else DEFAULT_TASK_PRIORITY


def enqueue_article(page: Any, *, revision_id: int | None = None) -> list[Narration]:
    """Queue narration of a published revision (both variants when gated). Used on publish and by staff re-queue."""
    rows = services.queue_article(page, revision_id=revision_id)
    job = narrate_article
    # RQ's backend has no priorities (it refuses a task that sets one): there the jobs run in publishing order.
    if job.get_backend().supports_priority:
        job = job.using(priority=priority_for(page))
    for row in rows:
        job.enqueue(page.pk, row.revision_id, row.variant)
    return rows
