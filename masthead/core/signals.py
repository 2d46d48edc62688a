"""Publishing empties the cached pages it changes (masthead/core/cachetags.py).

A page model names what its publishing empties with `cache_purge_tags()`
(newsroom's articles: the article, its section, home, issues, authors and the
feeds); a page without it, a move, a slug change, a deletion and any
site-wide model (settings, snippets, redirects, sites, view restrictions)
purge the whole site.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

from masthead.core import cachetags


def _purge_everything(**_: Any) -> None:
    cachetags.purge_everything()


def _purge_page(sender: Any, instance: Any, **_: Any) -> None:
    page = instance.specific if isinstance(instance, Page) else instance
    tags = getattr(page, "cache_purge_tags", None)
    cachetags.purge(tags() if tags is not None else [cachetags.SITE])


def _purge_if_live(sender: Any, instance: Any, **_: Any) -> None:
    # Saving a draft revision changes nothing a reader sees.
    if isinstance(instance, Page) and not instance.live:
        return
    cachetags.purge_everything()


# Saves that change nothing a reader sees: Wagtail fills these in lazily while
# rendering (get_file_size, renditions), and must not empty the cache per page view.
_BOOKKEEPING_FIELDS = frozenset({"file_size", "file_hash"})


def _purge_if_visible_change(sender: Any, instance: Any, created: bool = False, update_fields: Any = None, **_: Any) -> None:
    # A new image or a settings row created with its defaults (Wagtail's
    # for_site() does that during the first render) is not yet on any page.
    if created:
        return
    if update_fields and set(update_fields) <= _BOOKKEEPING_FIELDS:
        return
    cachetags.purge_everything()


def _purge_for_site_wide_models(sender: Any, instance: Any, created: bool = False, **kwargs: Any) -> None:
    """Settings (magazine, paywall), snippets (house ads, plans), redirects, sites, view restrictions.

    Any app's settings or snippets may show on cached pages; listening to all
    saves means an app added later is covered without registering here.
    """
    from wagtail.contrib.redirects.models import Redirect
    from wagtail.contrib.settings.models import BaseGenericSetting, BaseSiteSetting
    from wagtail.models import Site
    from wagtail.snippets.models import get_snippet_models

    if isinstance(instance, BaseSiteSetting | BaseGenericSetting):
        # A settings row created with its defaults shows what was shown already.
        if not created:
            cachetags.purge_everything()
    elif isinstance(instance, Redirect | Site | PageViewRestriction) or sender in get_snippet_models():
        cachetags.purge_everything()


def connect() -> None:
    page_published.connect(_purge_page, dispatch_uid="pagecache-published")
    page_unpublished.connect(_purge_page, dispatch_uid="pagecache-unpublished")
    post_page_move.connect(_purge_everything, dispatch_uid="pagecache-moved")
    page_slug_changed.connect(_purge_everything, dispatch_uid="pagecache-slug")
    post_delete.connect(_purge_if_live, sender=Page, dispatch_uid="pagecache-deleted")
    from wagtail.images import get_image_model

    post_save.connect(_purge_if_visible_change, sender=get_image_model(), dispatch_uid="pagecache-image")
    post_save.connect(_purge_for_site_wide_models, dispatch_uid="pagecache-site-wide-save")
    post_delete.connect(_purge_for_site_wide_models, dispatch_uid="pagecache-site-wide-delete")
