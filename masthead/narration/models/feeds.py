"""Private podcast feed tokens: one secret URL per subscriber."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django_tasks.signals import task_finished

from masthead.access.signals import access_ended
from masthead.narration.models.audio import Narration

__all__ = ["PodcastToken"]


def new_token() -> str:
    # 256 bits: a feed URL is a bearer credential that podcast apps store and
    # sometimes leak, so it must be unguessable, never merely obscure.
    return secrets.token_urlsafe(32)


class PodcastTokenQuerySet(models.QuerySet["PodcastToken"]):
    def active(self) -> PodcastTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class PodcastToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="podcast_tokens")
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Why it stopped working, for staff answering "my feed is gone".
    revoked_reason = models.CharField(max_length=32, blank=True)

    objects = PodcastTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "private podcast feed"
        constraints = [
            # At most one working feed URL per reader: rotating revokes the old one.
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(revoked_at__isnull=True), name="podcast_token_one_active_per_user"
            )
        ]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "active"
        return f"Private feed of {self.user} ({state})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


def _revoke_on_access_ended(sender: object, *, user: object, reason: str = "ended", **kwargs: object) -> None:
    # members sends this on refund, expiry or a revoked comp: the feed URL a
    # podcast app holds must stop working at once, not at the next check.
    from masthead.narration.feed_tokens import revoke_tokens

    revoke_tokens(user=user, reason=reason)


access_ended.connect(_revoke_on_access_ended, dispatch_uid="narration.revoke_podcast_tokens")


def _refresh_cached_pages(sender: object, instance: Any, **kwargs: object) -> None:
    # Cached article pages hold the player; a narration that just became
    # ready (or went away) changes whether the page carries one, and the podcast feeds.
    if kwargs.get("signal") is post_delete or instance.status == "ready":
        from masthead.core import cachetags

        cachetags.purge([cachetags.page_tag(instance.page_id), cachetags.LIST_ALL])


post_save.connect(_refresh_cached_pages, sender=Narration, dispatch_uid="narration.player_page_cache")
post_delete.connect(_refresh_cached_pages, sender=Narration, dispatch_uid="narration.player_page_cache_delete")


def _refresh_after_narration_job(sender: object, task_result: Any = None, **kwargs: object) -> None:
    # The pipeline writes its outcome with queryset.update (claim-safe), which
    # sends no post_save; the finished job is the moment the player may appear.
    task = getattr(task_result, "task", None)
    if getattr(task, "name", "") == "narrate_article":
        from masthead.core import cachetags

        args = getattr(task_result, "args", None) or []
        page_id = args[0] if args else (getattr(task_result, "kwargs", None) or {}).get("page_id")
        cachetags.purge([cachetags.page_tag(page_id), cachetags.LIST_ALL] if page_id is not None else [cachetags.SITE])


task_finished.connect(_refresh_after_narration_job, dispatch_uid="narration.player_page_cache_task")
