"""Publishing an issue publishes its ready articles (editions.publishing) and keeps the next issues planned
(editions.schedule). Edition sizes of a photograph when it is uploaded and when an article is published
(editions.images). Rebuild on publish: an issue when it is published, every published issue that contains an article
when the article is published again or unpublished, and the audio-bearing kinds when an article's
narration is ready. All after commit, in the background (tasks.refresh_issue hashes, then queues).
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django_tasks.signals import task_finished
from wagtail.signals import page_published, page_unpublished

from masthead.editions import images
from masthead.editions.models import Kind
from masthead.newsroom.models import ArticlePage, IssueArticle, IssuePage

log = logging.getLogger(__name__)


def _issues_with(article_id: int) -> list[int]:
    return list(
        IssueArticle.objects.filter(article_id=article_id, issue__live=True).values_list("issue_id", flat=True).distinct()
    )


def _refresh(issue_ids: list[int], kinds: list[str] | None = None) -> None:
    from masthead.editions import tasks

    for issue_id in issue_ids:
        transaction.on_commit(partial(tasks.refresh_issue.enqueue, issue_id, kinds))


def _prepare(image_ids: list[int]) -> None:
    from masthead.editions import tasks

    if image_ids:
        transaction.on_commit(partial(tasks.prepare_images.enqueue, sorted(set(image_ids))))


def page_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    if not settings.EDITIONS_ON_PUBLISH:
        return
    if isinstance(instance, IssuePage):
        if instance.live:
            _refresh([instance.pk])
    elif isinstance(instance, ArticlePage):
        # Queued before the rebuilds below: on the one editions queue, the sizes are made first.
        if instance.live:
            _prepare(images.article_image_ids(instance))
        _refresh(_issues_with(instance.pk))


def image_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A photograph uploaded (or its file replaced): make the edition's sizes now, not in the issue's build."""
    if settings.EDITIONS_ON_PUBLISH and instance.file:
        _prepare([instance.pk])


def narration_finished(sender: Any, task_result: Any = None, **kwargs: Any) -> None:
    if not settings.EDITIONS_ON_PUBLISH:
        return
    task = getattr(task_result, "task", None)
    if getattr(task, "name", "") != "narrate_article":
        return
    args = list(getattr(task_result, "args", None) or [])
    if len(args) < 3 or args[2] != "full":
        return
    _refresh(_issues_with(int(args[0])), [Kind.EPUB, Kind.AUDIO])


def plan_after_commit(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Keep the next issues ready as drafts once an editor has set the schedule: when it is saved and whenever
    an issue is published (the horizon moves on)."""
    from masthead.editions.models import IssueSchedule

    if sender is not IssueSchedule and not isinstance(instance, IssuePage):
        return
    if not IssueSchedule.objects.exists():
        return

    def plan() -> None:
        from masthead.editions.schedule import plan_issues

        try:
            plan_issues()
        except Exception:
            # Planning ahead must never undo or block the publish that triggered it; the admin's
            # Upcoming issues page and `manage.py plan_issues` show and retry it.
            log.exception("planning the upcoming issues failed")

    transaction.on_commit(plan)


def connect() -> None:
    from django.db.models.signals import post_save
    from wagtail.images import get_image_model

    from masthead.editions.models import IssueSchedule
    from masthead.editions.publishing import issue_published

    post_save.connect(image_saved, sender=get_image_model(), dispatch_uid="editions.image_saved")
    # First: the issue's articles go live in the same transaction as the issue (the rebuild below then sees them).
    page_published.connect(issue_published, dispatch_uid="editions.issue_published")
    page_published.connect(plan_after_commit, dispatch_uid="editions.plan_on_publish")
    post_save.connect(plan_after_commit, sender=IssueSchedule, dispatch_uid="editions.plan_on_schedule")
    page_published.connect(page_changed, dispatch_uid="editions.page_published")
    page_unpublished.connect(page_changed, dispatch_uid="editions.page_unpublished")
    task_finished.connect(narration_finished, dispatch_uid="editions.narration_finished")
