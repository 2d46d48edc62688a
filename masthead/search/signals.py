"""Keep the indexes in step with what readers can find.

Wagtail indexes a page from post_save, which fires before a page's authors and
tags (cluster children) are written, so a publish that changes only tags or
authors would leave its index one step behind: page_published fires after
everything is saved, and re-indexes the article in Wagtail's index (the admin's
search) and in the archive index (index.py), whose rows also carry an article's
section, bylines and issues — so publishing an issue or an author re-indexes
their articles, and a move or a view restriction re-indexes the pages under it.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_migrate, post_save
from modelsearch.tasks import insert_or_update_object_task
from wagtail.models import PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

from masthead.search import index


def _published(sender: Any, instance: Any, **_: Any) -> None:
    from masthead.newsroom.models import ArticleAuthor, ArticlePage, AuthorPage, IssueArticle, IssuePage

    if isinstance(instance, ArticlePage):
        insert_or_update_object_task.enqueue(instance._meta.app_label, instance._meta.model_name, str(instance.pk))
        index.reindex_articles([instance.pk])
    elif isinstance(instance, IssuePage):
        # Articles now in the issue, and those that were in it and no longer are.
        now = IssueArticle.objects.filter(issue=instance).values_list("article_id", flat=True)
        index.reindex_articles({*now, *index.articles_with_facet(index.issue_token(instance.pk))})
    elif isinstance(instance, AuthorPage):
        index.reindex_articles(ArticleAuthor.objects.filter(author=instance).values_list("page_id", flat=True))


def _unpublished(sender: Any, instance: Any, **_: Any) -> None:
    from masthead.newsroom.models import ArticlePage

    if isinstance(instance, ArticlePage):
        index.remove_articles([instance.pk])


def _reindex_under(page_id: int) -> None:
    from wagtail.models import Page

    from masthead.newsroom.models import ArticlePage

    # Read afresh: after a move the instance a signal carries may hold the old path, and after a
    # delete there may be no page at all.
    page = Page.objects.filter(pk=page_id).only("path").first()
    if page is not None:
        index.reindex_articles(ArticlePage.objects.filter(path__startswith=page.path).values_list("pk", flat=True))


def _moved(sender: Any, instance: Any, **_: Any) -> None:
    _reindex_under(instance.pk)


def _restriction_changed(sender: Any, instance: PageViewRestriction, **_: Any) -> None:
    _reindex_under(instance.page_id)


def connect(app_config: Any) -> None:
    page_published.connect(_published, dispatch_uid="search-reindex-on-publish")
    page_unpublished.connect(_unpublished, dispatch_uid="search-remove-on-unpublish")
    post_page_move.connect(_moved, dispatch_uid="search-reindex-on-move")
    post_save.connect(_restriction_changed, sender=PageViewRestriction, dispatch_uid="search-reindex-on-restriction")
    post_delete.connect(_restriction_changed, sender=PageViewRestriction, dispatch_uid="search-reindex-on-unrestriction")
    post_migrate.connect(index.ensure_current_format, sender=app_config, dispatch_uid="search-index-format")
