"""The one gate between an article's text and a reader.

Every surface that renders article text — the page, feeds, search results,
JSON-LD and OpenGraph, audio, downloads, email — asks this module which blocks
the reader may see. It never decides entitlement itself: it calls the policy
named by settings.MASTHEAD_ACCESS_POLICY (the members app installs one that
knows subscriptions, comps, gifts and the meter). newsroom ships a
conservative default so the site is safe before members is installed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.dispatch import Signal
from django.http import HttpRequest
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from collections.abc import Sequence

    from masthead.newsroom.models import ArticlePage


@dataclass(frozen=True)
class Decision:
    """What a policy answers for one reader and one article."""

    full: bool
    # True when every anonymous reader would get this same answer, so the
    # rendered page may sit in the shared page cache.
    shared_cacheable: bool
    # "public", "entitled", "staff", "metered", "sign-in", "subscribe"
    reason: str
    meter_remaining: int | None = None


@dataclass(frozen=True)
class Reading:
    decision: Decision
    blocks: list[Any] = field(default_factory=list)

    @property
    def full(self) -> bool:
        return self.decision.full

    @property
    def shared_cacheable(self) -> bool:
        return self.decision.shared_cacheable

    @property
    def reason(self) -> str:
        return self.decision.reason


class Policy(Protocol):
    def __call__(self, user: Any, page: ArticlePage, request: HttpRequest | None = None) -> Decision: ...


def default_policy(user: Any, page: ArticlePage, request: HttpRequest | None = None) -> Decision:
    """Public is free; members need an account; subscribers need staff until members is installed."""
    anonymous = not getattr(user, "is_authenticated", False)
    if page.access == "public":
        return Decision(full=True, shared_cacheable=anonymous, reason="public")
    if getattr(user, "is_staff", False):
        return Decision(full=True, shared_cacheable=False, reason="staff")
    if page.access == "members" and not anonymous:
        return Decision(full=True, shared_cacheable=False, reason="entitled")
    return Decision(full=False, shared_cacheable=anonymous, reason="sign-in" if page.access == "members" else "subscribe")


@cache
def _policy(path: str) -> Policy:
    return import_string(path)


def decide(user: Any, page: ArticlePage, request: HttpRequest | None = None) -> Decision:
    return _policy(settings.MASTHEAD_ACCESS_POLICY)(user, page, request)


def decide_many(user: Any, pages: Sequence[ArticlePage]) -> list[Decision]:
    """decide() for one reader and many articles outside a page view (feeds): never metered.

    A policy may answer them together if it has a ``many(user, pages)`` attribute
    (the members policy looks the reader's grants up once instead of per article).
    """
    policy = _policy(settings.MASTHEAD_ACCESS_POLICY)
    many = getattr(policy, "many", None)
    if many is not None:
        return list(many(user, pages))
    return [policy(user, page, None) for page in pages]


def reading_from(decision: Decision, page: ArticlePage) -> Reading:
    """The blocks a decision lets through: all of them when full, else those above the preview marker."""
    return Reading(decision=decision, blocks=page.full_blocks() if decision.full else page.preview_blocks())


_reading = reading_from


def reading_for(request: HttpRequest, page: ArticlePage) -> Reading:
    """The reader behind this request; the policy may count a metered read."""
    return _reading(decide(request.user, page, request), page)


def reading_for_user(user: Any, page: ArticlePage) -> Reading:
    """A known reader outside a page view (private feed, download, email): never metered."""
    return _reading(decide(user, page, None), page)


def anonymous_reading(page: ArticlePage) -> Reading:
    """What the world may see: public feeds, sitemaps, search snippets, JSON-LD."""
    return _reading(decide(AnonymousUser(), page, None), page)


# --- Reader-level questions for apps that may not import members -------------
#
# narration (private podcast feeds), ads and editions sit beside members in the
# dependency graph, so they ask these two hooks instead. members installs real
# answers through settings; the defaults below are the conservative ones.

# Sent by members when a reader's paid access ends early or lapses (refund,
# expiry, revoked comp): receivers revoke tokens and downloads they issued.
# kwargs: user, reason ("refunded", "expired", "revoked").
reader_access_ended = Signal()


def default_subscriber_check(user: Any) -> bool:
    return bool(getattr(user, "is_staff", False))


def default_ad_free_check(user: Any) -> bool:
    return bool(getattr(user, "is_staff", False))


def is_subscriber(user: Any) -> bool:
    """Whether this reader may read subscriber articles in full right now (private feeds, downloads)."""
    return bool(_policy(settings.MASTHEAD_SUBSCRIBER_CHECK)(user))  # type: ignore[call-arg]


def is_ad_free(user: Any) -> bool:
    """Whether ad slots must stay empty for this reader."""
    return bool(_policy(settings.MASTHEAD_AD_FREE_CHECK)(user))  # type: ignore[call-arg]
