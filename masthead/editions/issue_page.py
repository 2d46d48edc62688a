"""The digital-edition box on the issue page (filled into newsroom's "issue-downloads" slot).

Entitled readers and staff see the downloads (EPUB, PDF, audio) with their
state, and the issue's audio as one playlist; staff also see the printer's files
and a link to the Editions report. Everyone else sees what a subscription
brings and newsroom's subscribe box — never a file link. For anonymous readers
the box is the same for all of them, so the issue page stays shared-cacheable.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse

from masthead.editions import access
from masthead.editions.models import READER_KINDS, EditionFile, Kind

LABELS = {Kind.EPUB: "EPUB (e-readers, with read-along audio)", Kind.PDF: "PDF (print layout)", Kind.AUDIO: "Audio edition (MP3)"}
URL_NAMES = {
    Kind.EPUB: "editions:epub",
    Kind.PDF: "editions:pdf",
    Kind.AUDIO: "editions:audio",
    Kind.PRINT: "editions:print",
    Kind.PRINT_COVER: "editions:print-cover",
}


def clock(ms: int) -> str:
    """12:05 (minutes:seconds), or 1:02:05 past the hour: how players show a position."""
    seconds = int(ms) // 1000
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _request(candidate: Any) -> HttpRequest | None:
    if isinstance(candidate, HttpRequest):
        return candidate
    getter = getattr(candidate, "get", None)  # a template Context
    found = getter("request") if getter else None
    return found if isinstance(found, HttpRequest) else None


def _state(rows: list[EditionFile]) -> dict[str, Any]:
    current = next((row for row in rows if row.is_ready), None)
    pending = next((row for row in rows if row.status in (EditionFile.Status.QUEUED, EditionFile.Status.RUNNING)), None)
    failed = rows[0] if rows and rows[0].status == EditionFile.Status.FAILED else None
    return {"current": current, "pending": pending, "failed": failed}


def downloads_box(request_or_context: Any, issue: Any) -> str | None:
    request = _request(request_or_context)
    if request is None or issue is None or not getattr(issue, "pk", None):
        return None
    user = request.user
    entitled = access.has_digital_edition(user)
    staff = access.is_staff(user)
    context: dict[str, Any] = {"issue": issue, "entitled": entitled, "staff": staff, "request": request, "user": user}
    if entitled:
        rows: dict[str, list[EditionFile]] = {}
        for row in (
            EditionFile.objects.filter(issue_id=issue.pk).exclude(status=EditionFile.Status.SUPERSEDED).order_by("-version")
        ):
            rows.setdefault(row.kind, []).append(row)
        kinds = list(READER_KINDS) + ([Kind.PRINT, Kind.PRINT_COVER] if staff else [])
        files = []
        for kind in kinds:
            state = _state(rows.get(kind.value, []))
            if state["current"] or state["pending"] or (staff and state["failed"]):
                files.append(
                    {
                        "kind": kind,
                        "label": LABELS.get(kind, kind.label),
                        "url": reverse(URL_NAMES[kind], args=[issue.slug]),
                        **state,
                    }
                )
        audio = _state(rows.get(Kind.AUDIO.value, []))["current"]
        context.update(
            files=files,
            audio=audio,
            chapters=[
                {**chapter, "at": clock(chapter["start_ms"])} for chapter in (audio.details.get("chapters", []) if audio else [])
            ],
            audio_length=clock(audio.duration_ms) if audio else "",
            audio_url=reverse("editions:audio", args=[issue.slug]),
            report_url=reverse("editions_admin_report") if staff else "",
        )
    else:
        # newsroom's subscribe box, as a gated article shows it.
        context["reading"] = SimpleNamespace(reason="subscribe", decision=SimpleNamespace(meter_remaining=None))
    return render_to_string("editions/issue_downloads.html", context, request=request)
