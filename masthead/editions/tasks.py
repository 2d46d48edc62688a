"""Background jobs (django-tasks): thin, take primary keys, safe to run twice.

refresh_issue reads an issue and queues builds of the kinds whose inputs
changed; build_edition_file builds one row (services.build claims it first, so
a duplicate job does nothing). Builds run on the "editions" queue: WeasyPrint
takes seconds to a minute per PDF, and a worker of its own keeps search and
page-cache jobs prompt (``manage.py db_worker --queue-name editions``).
"""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django_tasks import task

from masthead.editions import images, services
from masthead.editions.models import EditionFile


@task(queue_name="editions")
def build_edition_file(edition_id: int) -> str:
    try:
        row = services.build(edition_id=edition_id)
    except services.EditionError as exc:
        return f"skipped: {exc}"
    return row.status


@task(queue_name="editions")
def refresh_issue(issue_id: int, kinds: list[str] | None = None) -> int:
    try:
        rows = queue_issue_builds(issue_id=issue_id, kinds=kinds)
    except services.EditionError:
        return 0  # unpublished or deleted before the worker got here: nothing to build
    return len(rows)


@task(queue_name="editions")
def prepare_images(image_ids: list[int]) -> int:
    """The edition's sizes of these photographs, ahead of any build (editions.images)."""
    return images.prepare(image_ids)


def queue_issue_builds(*, issue_id: int, kinds: list[str] | None = None, force: bool = False) -> list[EditionFile]:
    """Queue the changed kinds and enqueue their builds once the rows are committed."""
    rows = services.queue_issue(issue_id=issue_id, kinds=kinds, force=force)
    for row in rows:
        transaction.on_commit(partial(build_edition_file.enqueue, row.pk))
    return rows


def retry_build(*, edition_id: int) -> EditionFile:
    row = services.retry(edition_id=edition_id)
    transaction.on_commit(lambda: build_edition_file.enqueue(row.pk))
    return row
