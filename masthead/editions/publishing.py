"""Publishing an issue is one act: its ready articles go live with it.

``page_published`` fires for every way an issue goes live — the editor's Publish button, Wagtail's
scheduled publishing (``publish_scheduled`` when the issue's go-live time comes) and code — so the
articles follow the issue whichever way it went. They are published in one transaction; an article
that is not ready (no saved draft, waiting for approval in a workflow, sent back for changes,
scheduled on its own) stays unpublished and is named in the admin: before publishing (the issue
editor's Publishing panel), and after it (a message).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

log = logging.getLogger(__name__)

LIVE = "live"
READY = "ready"
NOT_READY = "not-ready"


@dataclass(frozen=True)
class ArticleState:
    article: Any
    state: str  # LIVE, READY or NOT_READY
    reason: str

    @property
    def ready(self) -> bool:
        return self.state == READY


def _workflow_reason(article: Any) -> str | None:
    state = article.current_workflow_state
    if state is None:
        return None
    if state.status == state.STATUS_NEEDS_CHANGES:
        return f"sent back for changes in “{state.workflow.name}”"
    task = state.current_task_state.task.name if state.current_task_state else ""
    return f"waiting for approval in “{state.workflow.name}”" + (f" ({task})" if task else "")


def article_state(article: Any, user: Any = None) -> ArticleState:
    """Whether publishing the issue (by ``user``, if known) takes this article live, and why not if it does not."""
    article = article.specific
    if article.live:
        note = "already published" + (" (its later edits stay in draft)" if article.has_unpublished_changes else "")
        return ArticleState(article, LIVE, note)
    revision = article.latest_revision
    if revision is None:
        return ArticleState(article, NOT_READY, "never saved as a draft")
    if reason := _workflow_reason(article):
        return ArticleState(article, NOT_READY, reason)
    draft = revision.as_object()
    go_live = draft.go_live_at or revision.approved_go_live_at
    if go_live and go_live > timezone.now():
        return ArticleState(article, NOT_READY, f"scheduled on its own for {timezone.localtime(go_live):%B %-d, %Y %H:%M}")
    if draft.expire_at and draft.expire_at <= timezone.now():
        return ArticleState(article, NOT_READY, "its expiry date has passed")
    if user is not None and not article.permissions_for_user(user).can_publish():
        return ArticleState(article, NOT_READY, f"{user.get_username()} may not publish it")
    return ArticleState(article, READY, "goes live with the issue")


def article_states(issue: Any, user: Any = None) -> list[ArticleState]:
    """Every article in the issue's contents, in the editor's order.

    Read from the issue object as given: for the editor's form that is the latest draft (what Publish
    will publish), for the signal the revision just published.
    """
    rows = sorted(issue.issue_articles.all(), key=lambda row: (row.sort_order is None, row.sort_order or 0))
    return [article_state(row.article, user) for row in rows if row.article_id is not None]


def publish_ready_articles(*, issue: Any, user: Any = None) -> list[ArticleState]:
    """Publish the issue's ready articles, all in one transaction; returns every article's state before."""
    states = article_states(issue, user)
    with transaction.atomic():
        for state in states:
            if not state.ready:
                continue
            revision = state.article.latest_revision
            # Permission was asked above (article_state): an article the publisher may not publish is not ready.
            revision.publish(user=user, log_action=True, skip_permission_checks=True)
            log.info("published %s with issue %s", state.article.slug, issue.slug)
    for state in states:
        if state.state == NOT_READY:
            log.warning("issue %s went live without %r: %s", issue.slug, state.article.title, state.reason)
    return states


def issue_published(sender: Any, instance: Any, revision: Any = None, **kwargs: Any) -> None:
    from masthead.newsroom.models import IssuePage

    if not isinstance(instance, IssuePage) or not instance.live:
        return
    user = getattr(revision, "user", None) if revision is not None else None
    publish_ready_articles(issue=instance, user=user)
