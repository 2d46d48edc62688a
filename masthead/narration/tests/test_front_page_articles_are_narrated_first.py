"""When many articles are published at once (the demo, an import), the worker narrates what readers meet
first — the home page's articles and the current issue's — before the archive, whatever order they were saved in.
"""

from __future__ import annotations

from datetime import date

import pytest
from django_tasks_db.models import DBTaskResult

from masthead.narration import tasks
from masthead.testing import builders


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": settings.TASK_QUEUES}}


@pytest.fixture
def archive(magazine):
    """Five newer Politics stories push the members briefing (in no issue) off the home page."""
    politics = magazine.sections["Politics"]
    newer = [
        builders.make_article(
            politics, f"Newer politics story {n}", authors=[magazine.author], paragraphs=["A paragraph."], on=date(2024, 4, 1 + n)
        )
        for n in range(5)
    ]
    return magazine.members_article, newer


def test_the_worker_takes_front_page_and_current_issue_articles_before_the_archive(magazine, archive, database_queue):
    old, newer = archive
    assert old.pk not in tasks.front_article_ids()
    # Saved in the worst order: the archive article first.
    tasks.enqueue_article(old)
    tasks.enqueue_article(magazine.subscriber_article)  # in the current issue, not among the newest
    tasks.enqueue_article(newer[-1])  # the newest story: on the home page

    queued = DBTaskResult.objects.filter(queue_name="narration").ready()
    order = [row.args_kwargs["args"][0] for row in queued]
    archive_jobs = [n for n, pk in enumerate(order) if pk == old.pk]
    front_jobs = [n for n, pk in enumerate(order) if pk in (magazine.subscriber_article.pk, newer[-1].pk)]
    assert archive_jobs and front_jobs
    assert max(front_jobs) < min(archive_jobs), order


def test_the_front_is_what_the_home_page_and_current_issue_show(magazine, archive):
    old, newer = archive
    front = tasks.front_article_ids()
    assert {a.pk for a in newer} <= front
    assert {magazine.public_article.pk, magazine.subscriber_article.pk} <= front  # the current issue's contents
    assert old.pk not in front
