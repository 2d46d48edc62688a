"""The one gate between an article's text and a reader.

Every surface that renders article text or serves a gated file — the page,
feeds, search results, JSON-LD and OpenGraph, audio, downloads, email — asks
this module which blocks the reader may see. The rule: public articles are
read by everyone; who may read the rest in full is entitlements.can_read's
rule, stated once; a reader who may not gets the metered allowance on a page
view (meter.py) and the teaser everywhere else.

The gate knows nothing of newsroom: it takes any object with ``pk``,
``access`` (an AccessLevel value), ``full_blocks()`` and ``preview_blocks()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from masthead.access import entitlements, meter
from masthead.access.levels import AccessLevel


class GatedPage(Protocol):
    pk: Any
    access: str

    def full_blocks(self) -> list[Any]: ...

    def preview_blocks(self) -> list[Any]: ...


@dataclass(frozen=True)
class Decision:
    """What the gate answers for one reader and one article."""

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


def decide(user: Any, page: GatedPage, request: HttpRequest | None = None) -> Decision:
    """The answer for this reader; with a request (a page view) a metered read may be counted."""
    signed_in = entitlements.signed_in(user)
    if page.access == AccessLevel.PUBLIC:
        return Decision(full=True, shared_cacheable=not signed_in, reason="public")
    if entitlements.can_read(user, page):
        return Decision(full=True, shared_cacheable=False, reason="staff" if user.is_staff else "entitled")
    if page.access == AccessLevel.MEMBERS:  # not signed in: the teaser is the same for every anonymous reader
        return Decision(full=False, shared_cacheable=True, reason="sign-in")
    if request is None:
        # Feeds, sitemaps, search, private feeds, emails, downloads: never metered.
        return Decision(full=False, shared_cacheable=not signed_in, reason="subscribe")
    allowance = meter.free_allowance(request)
    if allowance == 0:
        # Hard paywall: the teaser is the same for every anonymous reader.
        return Decision(full=False, shared_cacheable=not signed_in, reason="subscribe")
    used = meter.count_read(request, user, page.pk, allowance)
    if used is None:
        return Decision(full=False, shared_cacheable=False, reason="subscribe", meter_remaining=0)
    # A metered answer differs between anonymous readers: never shared-cached.
    return Decision(full=True, shared_cacheable=False, reason="metered", meter_remaining=max(allowance - used, 0))


def decide_many(user: Any, pages: Sequence[GatedPage]) -> list[Decision]:
    """decide() for one reader and many articles outside a page view (feeds): never metered,
    and the reader's grants are looked up once instead of per article."""
    with entitlements.one_answer_per_reader():
        return [decide(user, page, None) for page in pages]


def reading_from(decision: Decision, page: GatedPage) -> Reading:
    """The blocks a decision lets through: all of them when full, else those above the preview marker."""
    return Reading(decision=decision, blocks=page.full_blocks() if decision.full else page.preview_blocks())


_reading = reading_from


def reading_for(request: HttpRequest, page: GatedPage) -> Reading:
    """The reader behind this request; a metered read may be counted."""
    return _reading(decide(request.user, page, request), page)


def reading_for_user(user: Any, page: GatedPage) -> Reading:
    """A known reader outside a page view (private feed, download, email): never metered."""
    return _reading(decide(user, page, None), page)


def anonymous_reading(page: GatedPage) -> Reading:
    """What the world may see: public feeds, sitemaps, search snippets, JSON-LD."""
    return _reading(decide(AnonymousUser(), page, None), page)
