"""Read-only questions other apps ask about narration."""

from __future__ import annotations

from typing import Any

from masthead.narration.models import Narration


def current_narration(page: Any, variant: str) -> Narration | None:
    """The audio to play for this page and variant.

    The latest ready narration of the page's live revision; if the live revision
    has none yet (just published, job still running), the latest ready one of any
    earlier revision, so the player never goes silent during a re-render.
    """
    ready = Narration.objects.filter(page_id=page.pk, variant=variant, status=Narration.Status.READY).exclude(audio="")
    live_revision_id = getattr(page, "live_revision_id", None)
    if live_revision_id:
        found = ready.filter(revision_id=live_revision_id).order_by("-updated").first()
        if found is not None:
            return found
    return ready.order_by("-revision_id", "-updated").first()


def variant_for(full: bool) -> str:
    """The variant a reader may hear: pass ``reading.full`` from newsroom.access."""
    return Narration.Variant.FULL if full else Narration.Variant.TEASER
