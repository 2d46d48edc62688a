"""{% narration_player %}: the article page's listen box, only when ready audio exists.

The variant comes from the same question the audio URL asks
(listening.narration_and_state → access.reading_for_user), so the player never
points at audio the server would refuse. Segment texts stay out of the page:
the player needs only block ids and start times, and leaving the words out
means the page carries no text beyond what the reader may already read.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.core.signals import setting_changed
from django.db import connections, router
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from masthead.core import shells
from masthead.narration import transcripts
from masthead.narration.listening import FULL, narration_and_state, narration_model, variant_for

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


def pending_note_for(request: Any, *, page_id: int, revision_id: int | None = None, state: str | None = None) -> str:
    """The shell's hole for the no-audio-yet note, filled for the reader of this request."""
    reading = shells.reader_context(request).get("reading")
    if state is not None and reading is not None:
        # The shell carries the audio's state as it was rendered (a finished narration job purges
        # the page, shell included) and serve() left the gate's reading: nothing to look up.
        return str(_note(request.user, state, entitled=reading.full))
    from masthead.newsroom.models import ArticlePage

    page = ArticlePage.objects.filter(pk=page_id).first()
    return str(_pending_note(request.user, page, None)) if page is not None else ""


def _audio_state(page_id: int, revision_id: int | None) -> str | None:
    """ "pending" (queued or running), "failed", or None: this revision's audio that is not ready, as plain SQL.

    Asked on every article render without audio yet; the ORM spent more CPU
    building the query than the database spent answering it.
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
        states = {row[0] for row in cursor.fetchall()}
    if states & {"queued", "running"}:
        return "pending"
    return "failed" if states else None


_NOTES: dict[tuple[str, bool], SafeString] = {}


@receiver(setting_changed)
def _forget_notes(**_: Any) -> None:
    # The note links to a stylesheet and a staff page: tests that move STATIC_URL or the URLs get fresh ones.
    _NOTES.clear()


def _note(user: Any, state: str | None, *, entitled: bool) -> SafeString:
    """No audio yet: say so to staff and to signed-in readers who will hear it; promise nothing to anyone else.

    Anonymous pages are cached for every anonymous reader, so a promise there would outlive the audio's arrival.
    A failure is staff's business only.
    """
    if state is None or not getattr(user, "is_authenticated", False):
        return mark_safe("")  # noqa: S308 — empty
    staff = bool(getattr(user, "is_staff", False))
    if not (staff or entitled) or (state == "failed" and not staff):
        return mark_safe("")  # noqa: S308 — empty
    key = (state, staff)
    if key not in _NOTES:  # four notes in all, the same for every reader: rendered once per process
        _NOTES[key] = mark_safe(render_to_string("narration/pending.html", {"state": state, "staff": staff}))  # noqa: S308
    return _NOTES[key]


def _pending_note(user: Any, page: Any, reading: Any) -> SafeString:
    if not getattr(user, "is_authenticated", False):
        return mark_safe("")  # noqa: S308 — empty
    entitled = reading.full if reading is not None else variant_for(user, page) == FULL
    return _note(user, _audio_state(page.pk, page.live_revision_id), entitled=entitled)


@register.simple_tag(takes_context=True)
def narration_player(context: Any) -> SafeString:
    request = context.get("request")
    page = context.get("page")
    if request is None or page is None:
        return mark_safe("")  # noqa: S308 — empty
    narration, state = narration_and_state(request.user, page, context.get("reading"))
    if narration is None:
        recorder = shells.recording()
        if recorder is not None and getattr(page, "pk", None):
            # A signed-in page is a shell shared by readers of one kind (core.shells); the
            # audio's state is the same for all of them, whether to tell it depends on who asks.
            if state is None:
                return mark_safe("")  # noqa: S308 — empty
            return recorder.hole("narration_pending", page_id=page.pk, state=state)
        if state is None or not getattr(request.user, "is_authenticated", False):
            return mark_safe("")  # noqa: S308 — empty
        reading = context.get("reading")
        entitled = reading.full if reading is not None else variant_for(request.user, page) == FULL
        return _note(request.user, state, entitled=entitled)
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
