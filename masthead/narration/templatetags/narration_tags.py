"""{% narration_player %}: the article page's listen box, only when ready audio exists.

The variant comes from the same question the audio URL asks
(listening.narration_for → access.reading_for_user), so the player never
points at audio the server would refuse. Segment texts stay out of the page:
the player needs only block ids and start times, and leaving the words out
means the page carries no text beyond what the reader may already read.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django import template
from django.db import connections, router
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from masthead.core import shells
from masthead.narration import transcripts
from masthead.narration.listening import FULL, narration_for, narration_model, variant_for

register = template.Library()


def _artwork(page: Any) -> str:
    if not page.hero_image:
        return ""
    try:
        return str(page.hero_image.get_rendition("fill-512x512").url)
    except Exception:  # noqa: BLE001 — a missing image file must not break the article
        return ""


def _clock(ms: int) -> str:
    # Whole seconds cut off, as player.js counts, so the label and the player's clock agree (6:38, not 6:39).
    minutes, seconds = divmod(ms // 1000, 60)
    return f"{minutes}:{seconds:02d}"


def pending_note_for(request: Any, *, page_id: int, revision_id: int | None = None) -> str:
    """The shell's hole for the no-audio-yet note, filled for the reader of this request."""
    reading = shells.reader_context(request).get("reading")
    if revision_id is not None and reading is not None:
        # The shell carries the revision it was rendered from and the page's serve() left the
        # gate's reading for this request: nothing to look up but the narration's state.
        return str(_pending_note(request.user, SimpleNamespace(pk=page_id, live_revision_id=revision_id), reading))
    from masthead.newsroom.models import ArticlePage

    page = ArticlePage.objects.filter(pk=page_id).first()
    return str(_pending_note(request.user, page, None)) if page is not None else ""


def _unfinished_states(page_id: int, revision_id: int | None) -> set[str]:
    """The states among queued/running/failed of this revision's narrations, as plain SQL.

    Asked on every signed-in article page that has no audio yet; the ORM spent
    more CPU building the query than the database spent answering it.
    """
    model = narration_model()
    connection = connections[router.db_for_read(model)]
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT status FROM {table} WHERE page_id = %s AND revision_id = %s"  # noqa: S608 (table name from the model)
            " AND status IN ('queued', 'running', 'failed')",
            [page_id, revision_id],
        )
        return {row[0] for row in cursor.fetchall()}


def _pending_note(user: Any, page: Any, reading: Any) -> SafeString:
    """No audio yet: say so to staff and to signed-in readers who will hear it; promise nothing to anyone else.

    Anonymous pages are cached for every anonymous reader, so a promise there would outlive the audio's arrival.
    """
    if not getattr(user, "is_authenticated", False):
        return mark_safe("")  # noqa: S308 — empty
    staff = bool(getattr(user, "is_staff", False))
    entitled = reading.full if reading is not None else variant_for(user, page) == FULL
    if not (staff or entitled):
        return mark_safe("")  # noqa: S308 — empty
    states = _unfinished_states(page.pk, page.live_revision_id)
    if states & {"queued", "running"}:
        state = "pending"
    elif staff and "failed" in states:
        state = "failed"
    else:
        return mark_safe("")  # noqa: S308 — empty
    return mark_safe(render_to_string("narration/pending.html", {"state": state, "staff": staff}))  # noqa: S308


@register.simple_tag(takes_context=True)
def narration_player(context: Any) -> SafeString:
    request = context.get("request")
    page = context.get("page")
    if request is None or page is None:
        return mark_safe("")  # noqa: S308 — empty
    narration = narration_for(request.user, page, context.get("reading"))
    if narration is None:
        recorder = shells.recording()
        if recorder is not None and getattr(page, "pk", None):
            # A signed-in page is a shell shared by readers of one kind (core.shells);
            # the note depends on who asks (staff, entitled), so each request fills it.
            return recorder.hole("narration_pending", page_id=page.pk, revision_id=page.live_revision_id)
        return _pending_note(request.user, page, context.get("reading"))
    segments = [
        {"block": str(s.get("block_id", "")), "start": int(s.get("start_ms", 0)), "end": int(s.get("end_ms", 0))}
        for s in narration.segments or []
    ]
    html = render_to_string(
        "narration/player.html",
        {
            "page": page,
            "narration": narration,
            "teaser": narration.variant != FULL,
            "audio_url": transcripts.audio_path(narration),
            "transcript_url": transcripts.transcript_page_path(narration),
            "duration": _clock(narration.duration_ms or 0),
            "artist": ", ".join(author.title for author in page.authors),
            "artwork": _artwork(page),
            "segments": segments,
            "storage_key": f"masthead:listen:{page.pk}:{narration.variant}",
            "segments_id": f"listen-segments-{narration.pk}",
        },
        request=request,
    )
    return mark_safe(html)  # noqa: S308 — rendered by an autoescaping template
