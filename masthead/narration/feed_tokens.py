"""Issuing, rotating and revoking private podcast feed tokens."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from masthead.narration.models import PodcastToken


def active_token(*, user: Any, create: bool = True) -> PodcastToken | None:
    """The reader's working feed token, issuing one on first use."""
    token = PodcastToken.objects.active().filter(user=user).first()
    if token is not None or not create:
        return token
    try:
        with transaction.atomic():
            return PodcastToken.objects.create(user=user)
    except IntegrityError:
        # Two tabs asked at once: the partial unique constraint let one win.
        return PodcastToken.objects.active().get(user=user)


@transaction.atomic
def rotate_token(*, user: Any) -> PodcastToken:
    """Revoke the current feed URL and issue a new one (the old URL answers 410)."""
    PodcastToken.objects.active().filter(user=user).select_for_update().update(
        revoked_at=timezone.now(), revoked_reason="rotated"
    )
    return PodcastToken.objects.create(user=user)


def revoke_tokens(*, user: Any, reason: str) -> int:
    return PodcastToken.objects.active().filter(user=user).update(revoked_at=timezone.now(), revoked_reason=reason[:32])
