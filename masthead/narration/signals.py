"""Narrate on publish and on lexicon edits, after the transaction commits (the worker must see the new rows)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from wagtail.signals import page_published

from masthead.narration.models import LexiconEntry
from masthead.newsroom.models import ArticlePage


def article_published(sender: Any, instance: Any, revision: Any = None, **kwargs: Any) -> None:
    if not settings.NARRATION_ON_PUBLISH or not isinstance(instance, ArticlePage):
        return
    from masthead.narration import tasks

    revision_id = getattr(revision, "pk", None) or instance.live_revision_id
    transaction.on_commit(lambda: tasks.enqueue_article(instance, revision_id=revision_id))


def lexicon_changed(sender: Any, **kwargs: Any) -> None:
    if not settings.NARRATION_ON_PUBLISH:
        return
    from masthead.narration import tasks

    transaction.on_commit(lambda: tasks.refresh_after_lexicon_change.enqueue())


def connect() -> None:
    page_published.connect(article_published, dispatch_uid="narration.article_published")
    post_save.connect(lexicon_changed, sender=LexiconEntry, dispatch_uid="narration.lexicon_saved")
    post_delete.connect(lexicon_changed, sender=LexiconEntry, dispatch_uid="narration.lexicon_deleted")
