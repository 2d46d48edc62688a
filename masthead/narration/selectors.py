"""Read-only questions other apps ask about narration."""

from __future__ import annotations

from typing import Any

from masthead.narration.listening import ready_narrations
from masthead.narration.models import Narration


def current_narration(page: Any, variant: str) -> Narration | None:
    """The audio to play for this page and variant.

    The latest ready narration of the page's live revision; if the live revision
    has none yet (just published, job still running), the latest ready one of any
    earlier revision, so the player never goes silent during a re-render.
    The same choice listening.ready_narrations makes for many pages at once.
    """
    return ready_narrations([page], variant).get(page.pk)
