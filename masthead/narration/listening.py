"""Who may hear which narration: the audio side of the access gate.

A gated article has two narrations: "full" (the whole article) and "teaser"
(what the preview shows). The full one is the article's text in another form,
so it goes only to readers the gate lets read the whole article. We ask
reading_for_user, never reading_for: fetching audio must not use up a metered
read, and podcast apps fetch without a page view.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.contrib.auth.models import AnonymousUser

from masthead.access import gate

FULL = "full"
TEASER = "teaser"
READY = "ready"


def narration_model() -> Any:
    # Looked up when needed, not imported: the model belongs to the pipeline
    # half of this app, and serving code must import even before it exists.
    return apps.get_model("narration", "Narration")


def anonymous_full(page: Any) -> bool:
    """Whether the gate gives every anonymous reader this whole article."""
    return gate.decide(AnonymousUser(), page, None).full


def is_public(narration: Any) -> bool:
    """True when every anonymous reader may hear it, so shared caches may keep it.

    An unpublished article's audio is heard only by staff (may_hear), so it is
    never public: a year-long shared-cache copy would outlive the unpublishing.
    """
    page = narration.page
    if not page.live:
        return False
    if anonymous_full(page):
        return True
    # A teaser reads what the preview showed at its revision. An editor may move
    # the cut earlier since, so only the live revision's teaser is anyone's to hear.
    return narration.variant != FULL and narration.revision_id == page.live_revision_id


def may_hear(user: Any, narration: Any) -> bool:
    page = narration.page
    if narration.status != READY or not narration.audio:
        return False
    if not page.live:
        return bool(getattr(user, "is_staff", False))
    if is_public(narration):
        return True
    return gate.reading_for_user(user, page).full


def variant_for(user: Any, page: Any) -> str:
    return FULL if gate.reading_for_user(user, page).full else TEASER


def _pick(candidates: list[Any], page: Any) -> Any | None:
    # Same choice as selectors.current_narration, for many pages at once: the
    # live revision's audio if it is ready, otherwise the newest ready one, so
    # an edit does not silence the article while it is re-narrated.
    for narration in candidates:
        if narration.revision_id == page.live_revision_id:
            return narration
    return candidates[0] if candidates else None


def ready_narrations(pages: Iterable[Any], variant: str) -> dict[int, Any]:
    """page pk → the narration to play, for many pages in one query."""
    return {pk: narration for (pk, _), narration in _ready(pages, [variant]).items()}


def _ready(pages: Iterable[Any], variants: list[str]) -> dict[tuple[int, str], Any]:
    """(page pk, variant) → the narration to play, for many pages and variants in one query."""
    by_pk = {page.pk: page for page in pages}
    rows = (
        narration_model()
        .objects.filter(page_id__in=by_pk, variant__in=variants, status=READY)
        .exclude(audio="")
        # The plain-text transcript is only served from its own URL, never from these rows.
        .defer("transcript")
        .order_by("-revision_id", "-updated", "-pk")
    )
    return _choose(rows, by_pk)


def _choose(rows: Iterable[Any], by_pk: dict[int, Any]) -> dict[tuple[int, str], Any]:
    """From ready rows newest first: (page pk, variant) → the narration to play."""
    grouped: dict[tuple[int, str], list[Any]] = {}
    for row in rows:
        grouped.setdefault((row.page_id, row.variant), []).append(row)
    chosen = {}
    for (pk, variant), candidates in grouped.items():
        if variant == TEASER:
            # An older teaser may hold text the preview no longer shows (is_public):
            # no teaser until the live revision's is ready.
            candidates = [row for row in candidates if row.revision_id == by_pk[pk].live_revision_id]
        picked = _pick(candidates, by_pk[pk])
        if picked is not None:
            picked.page = by_pk[pk]  # spare a query per item
            chosen[(pk, variant)] = picked
    return chosen


UNFINISHED = ("queued", "running", "failed")


def narration_and_state(user: Any, page: Any, reading: Any = None) -> tuple[Any | None, str | None]:
    """narration_for(), and when it finds nothing, the live revision's audio state ("pending",
    "failed" or None) for the audio-coming note — both from one query, as a page render needs them."""
    variant = _variant(user, page, reading)
    variants = [FULL, TEASER] if variant == FULL else [variant]
    # A plain filter, the rest sorted out here: an article has a handful of rows, and the
    # OR of the two conditions cost more to build than the query took to run (every cold render asks).
    rows = list(
        narration_model()
        .objects.filter(page_id=page.pk, status__in=(READY, *UNFINISHED))
        .defer("transcript")
        .order_by("-revision_id", "-updated", "-pk")
    )
    ready = [row for row in rows if row.status == READY and row.variant in variants and row.audio]
    found = _choose(ready, {page.pk: page})
    narration = found.get((page.pk, variant)) or found.get((page.pk, TEASER))
    states = {row.status for row in rows if row.status != READY and row.revision_id == page.live_revision_id}
    state = "pending" if states & {"queued", "running"} else ("failed" if states else None)
    return narration, state


def _variant(user: Any, page: Any, reading: Any) -> str:
    if reading is not None and getattr(reading, "reason", "") != "metered":
        return FULL if reading.full else TEASER
    return variant_for(user, page)


def narration_for(user: Any, page: Any, reading: Any = None) -> Any | None:
    """What the player on this page plays for this reader: full if entitled, else the teaser.

    `reading` is the page view's own answer from the gate, reused when it
    cannot differ from reading_for_user's; a metered read is the exception
    (the audio URL does not spend meter reads, so it would refuse the full file).
    """
    variant = _variant(user, page, reading)
    # Both variants in one query for an entitled reader: if the full narration
    # is not ready yet, the teaser is better than silence.
    found = _ready([page], [FULL, TEASER] if variant == FULL else [variant])
    return found.get((page.pk, variant)) or found.get((page.pk, TEASER))
