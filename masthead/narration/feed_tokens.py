"""Issuing, rotating and revoking private podcast feed tokens.

A feed URL belongs to one unbroken stretch of the reader's access. Refunds and
revoked comps end it with an event (access_ended), but a subscription that
simply runs out sends none, and a podcast app keeps polling the old URL. So
every use checks that the token was issued inside the reader's present stretch
(access.entitlements.access_unbroken_since): a token seen during a lapse, or
kept through one and brought back after resubscribing, is revoked ("lapsed")
and never works again; the account page then issues a new one.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from masthead.access.entitlements import access_unbroken_since
from masthead.narration.models import PodcastToken

LAPSED = "lapsed"


def from_present_access(token: PodcastToken) -> bool:
    """Whether the token was issued during the reader's present, unbroken access."""
    since = access_unbroken_since(token.user)
    return since is not None and since <= token.created


def retire(token: PodcastToken, *, reason: str) -> None:
    still_active = PodcastToken.objects.filter(pk=token.pk, revoked_at__isnull=True)
    still_active.update(revoked_at=timezone.now(), revoked_reason=reason[:32])


def active_token(*, user: Any, create: bool = True) -> PodcastToken | None:
    """The reader's working feed token, issuing one on first use (and after a lapse)."""
    token = PodcastToken.objects.active().filter(user=user).first()
    if token is not None and not from_present_access(token):
        retire(token, reason=LAPSED)
        token = None
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
