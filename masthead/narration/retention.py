"""Deleting audio nobody can be served any more, so storage grows with the archive and not with every edit.

Every published edit makes a new MP3 at a new URL (published files are never
overwritten) and new paragraph clips; without this, an article edited ten times
keeps ten MP3s and every old paragraph's PCM (~44 KB per second of speech).

What stays, always:
- for each article and variant, the narration the player and feeds would pick
  (the live revision's if ready, otherwise the newest ready one: listening._pick);
- a failed row of the live revision (staff see it in "Articles without audio");
- every clip spoken in a narration that stays (so the next edit re-speaks one paragraph);
- anything changed within the grace period: a job may be writing it now, and a
  podcast app may still fetch an enclosure URL from a feed it read yesterday.
Everything else (superseded narrations, failed rows of old revisions, clips no
kept narration uses, files no row points at) is deleted, rows and files both.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from masthead.core.private_files import private_storage
from masthead.narration import listening
from masthead.narration.models import Clip, Narration
from masthead.narration.services import _clip_mp3_name, clip_key

log = logging.getLogger(__name__)

DEFAULT_GRACE = timedelta(days=30)


@dataclass
class Pruned:
    narrations: int = 0
    clips: int = 0
    files: list[str] = field(default_factory=list)
    bytes: int = 0


def _kept_narrations(cutoff: datetime) -> set[int]:
    keep: set[int] = set(Narration.objects.filter(updated__gte=cutoff).values_list("pk", flat=True))
    ready = Narration.objects.filter(status=Narration.Status.READY).exclude(audio="").select_related("page")
    grouped: dict[tuple[int, str], list[Narration]] = {}
    for row in ready.defer("transcript", "segments").order_by("-revision_id", "-updated", "-pk"):
        grouped.setdefault((row.page_id, row.variant), []).append(row)
    for candidates in grouped.values():
        picked = listening._pick(candidates, candidates[0].page)
        if picked is not None:
            keep.add(picked.pk)
    for pk, page_live_revision, revision in Narration.objects.exclude(status=Narration.Status.READY).values_list(
        "pk", "page__live_revision_id", "revision_id"
    ):
        if revision == page_live_revision:
            keep.add(pk)
    return keep


def _size(name: str) -> int:
    try:
        return private_storage.size(name)
    except (OSError, NotImplementedError):
        return 0


def _older(name: str, cutoff: datetime) -> bool:
    try:
        return private_storage.get_modified_time(name) < cutoff
    except (OSError, NotImplementedError):
        return False


def _walk(top: str) -> list[str]:
    try:
        dirs, files = private_storage.listdir(top)
    except (FileNotFoundError, NotImplementedError):
        return []
    found = [f"{top}/{name}" for name in files]
    for sub in dirs:
        found.extend(_walk(f"{top}/{sub}"))
    return found


def _in_batches(pks: list[int], size: int = 500) -> list[list[int]]:
    # SQLite caps the parameters of one statement; an archive has more rows than that.
    return [pks[i : i + size] for i in range(0, len(pks), size)]


def prune(*, grace: timedelta = DEFAULT_GRACE, dry_run: bool = False) -> Pruned:
    """Delete what no reader can be served; returns what was (or, with dry_run, would be) deleted."""
    cutoff = timezone.now() - grace
    result = Pruned()
    referenced: set[str] = set()  # file names rows still point at once the deletes are done
    with transaction.atomic():
        keep = _kept_narrations(cutoff)
        doomed: list[int] = []
        kept_keys: set[str] = set()
        rows = Narration.objects.values_list("pk", "voice", "segments", "audio", "updated").iterator()
        for pk, voice, segments, audio, updated in rows:
            if pk not in keep and updated < cutoff:
                doomed.append(pk)
                continue
            kept_keys.update(clip_key(segment["text"], voice) for segment in segments or [])
            if audio:
                referenced.add(audio)
        old_clips: list[int] = []
        for pk, key, pcm, created in Clip.objects.values_list("pk", "key", "pcm", "created").iterator():
            if key not in kept_keys and created < cutoff:
                old_clips.append(pk)
            else:
                referenced.update({pcm, _clip_mp3_name(key)})
        result.narrations, result.clips = len(doomed), len(old_clips)
        if not dry_run:
            for batch in _in_batches(doomed):
                # Re-checked in the statement: a job may have touched a row since it was read.
                Narration.objects.filter(pk__in=batch, updated__lt=cutoff).delete()
            for batch in _in_batches(old_clips):
                Clip.objects.filter(pk__in=batch).delete()

    # Files last, after the rows are gone: a row never points at a deleted file. Any file under
    # narration/ that no remaining row names (and old enough) goes, which also sweeps files left
    # by jobs that died between writing a file and writing its row. A file written after the
    # transaction is newer than the cutoff, so a job running now keeps its files.
    for name in _walk("narration"):
        if name in referenced or not _older(name, cutoff):
            continue
        result.files.append(name)
        result.bytes += _size(name)
        if not dry_run:
            private_storage.delete(name)
    if not dry_run:
        log.info(
            "pruned %d narrations, %d clips, %d files (%d bytes)",
            result.narrations,
            result.clips,
            len(result.files),
            result.bytes,
        )
    return result
