"""Re-index an article once publishing has finished.

Wagtail indexes a page from post_save, which fires before a page's authors and
tags (cluster children) are written, so a publish that changes only tags or
authors would leave the index one step behind. page_published fires after
everything is saved.
"""

from __future__ import annotations

from typing import Any

from modelsearch.tasks import insert_or_update_object_task
from wagtail.signals import page_published


def _reindex(sender: Any, instance: Any, **_: Any) -> None:
    from masthead.newsroom.models import ArticlePage

    if isinstance(instance, ArticlePage):
        insert_or_update_object_task.enqueue(instance._meta.app_label, instance._meta.model_name, str(instance.pk))


def connect() -> None:
    page_published.connect(_reindex, dispatch_uid="search-reindex-on-publish")
