"""The edition pipeline: decide what needs building, build it once, keep the old file until the new one is ready.

``queue_issue`` is cheap (it reads the issue, renders nothing): for each kind it
hashes what the builder would read and creates a queued row only when that
hash differs from the newest built or queued one. So publishing an article
rebuilds the issues that contain it and no other, republishing unchanged text
rebuilds nothing, and a second edit while a build waits joins that build.

``build`` is safe to run twice, at once or after a crash (the narration
pipeline's pattern): it works only after winning a conditional UPDATE on the
row; the file is written under a new name (version + hash of its bytes) before
the row points at it, so a reader never gets a half-written file and the
previous version stays downloadable until the new row is READY. A reading PDF's
stamp layout (editions.stamping) is stored beside it before the row points at
it, so a reader's first download in any process only reads it; it is deleted
with its file.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import asdict, replace
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from masthead.editions.builders import BuildError, builder_for
from masthead.editions.builders.content import IssueContent, fingerprint, issue_content, workspace
from masthead.editions.models import EditionFile, Kind, edition_storage
from masthead.newsroom.models import IssuePage

log = logging.getLogger(__name__)

ALL_KINDS = [Kind.EPUB, Kind.PDF, Kind.PRINT, Kind.PRINT_COVER, Kind.AUDIO]


class EditionError(Exception):
    """Bad input to the pipeline (unknown issue or kind, an issue that is not published)."""


# --- What a kind reads --------------------------------------------------------


def _layout_settings(kind: str) -> dict[str, Any]:
    if kind in (Kind.PDF, Kind.PRINT, Kind.PRINT_COVER):
        return {
            "trim": [settings.EDITIONS_TRIM_WIDTH_MM, settings.EDITIONS_TRIM_HEIGHT_MM],
            "bleed": settings.EDITIONS_BLEED_MM if kind != Kind.PDF else 0,
            "min_ppi": settings.EDITIONS_MIN_PPI,
        }
    return {}


def inputs_hash(kind: str, content: IssueContent) -> str:
    """sha256 of what this kind's builder reads: a change anywhere else never rebuilds it."""
    builder = builder_for(kind)
    meta = {key: value for key, value in asdict(replace(content, sections=())).items() if key != "sections"}
    articles: list[Any] = []
    for article in content.articles:
        if builder.uses_text:
            part: dict[str, Any] = asdict(replace(article, narration=None))
        else:
            part = {"pk": article.pk, "title": article.title}
        if builder.uses_narration:
            ref = article.narration
            part["narration"] = None if ref is None else [ref.narration_id, ref.source_hash, ref.matches_text]
        articles.append(part)
    sections = [[group.title, [a.pk for a in group.articles]] for group in content.sections]
    return fingerprint(kind, builder.version, _layout_settings(kind), meta, sections, articles)


def narration_pending(issue: IssuePage) -> list[int]:
    """Articles whose narration of the live revision is queued or running (not given up on): the audio will change soon."""
    from masthead.narration.models import Narration

    pages = issue.contents()
    live = {page.pk: page.live_revision_id for page in pages}
    fresh = timezone.now() - timedelta(seconds=settings.NARRATION_JOB_TIMEOUT)
    rows = Narration.objects.filter(
        page_id__in=live,
        variant=Narration.Variant.FULL,
        status__in=[Narration.Status.QUEUED, Narration.Status.RUNNING],
        created__gte=fresh,
    ).values_list("page_id", "revision_id")
    return sorted({page_id for page_id, revision_id in rows if live.get(page_id) == revision_id})


# --- Queueing -------------------------------------------------------------------


def current_files(issue: Any, kinds: list[str] | None = None) -> dict[str, EditionFile]:
    """kind → the newest READY file (what readers download now)."""
    rows = EditionFile.objects.ready().filter(issue_id=issue.pk).order_by("kind", "-version")
    if kinds:
        rows = rows.filter(kind__in=kinds)
    found: dict[str, EditionFile] = {}
    for row in rows:
        found.setdefault(row.kind, row)
    return found


def _kinds(kinds: list[str] | None) -> list[str]:
    if not kinds:
        return list(ALL_KINDS)
    unknown = [kind for kind in kinds if kind not in Kind.values]
    if unknown:
        raise EditionError(f"unknown edition kind {', '.join(unknown)}; choose from {', '.join(Kind.values)}")
    return list(kinds)


def queue_issue(*, issue_id: int, kinds: list[str] | None = None, force: bool = False) -> list[EditionFile]:
    """Create queued rows for the kinds whose inputs changed (all of them with force); returns the new rows.

    The caller enqueues the builds (tasks.refresh_issue does, after commit).
    """
    wanted = _kinds(kinds)
    issue = IssuePage.objects.filter(pk=issue_id).first()
    if issue is None:
        raise EditionError(f"no issue with id {issue_id}")
    if not issue.live:
        raise EditionError(f"issue {issue.slug!r} is not published: editions are built for published issues")
    content = issue_content(issue)
    if not content.articles:
        # Nothing published is left to make the files from; the last build holds text that was taken down.
        for kind in wanted:
            withdraw(issue_id=issue.pk, kind=kind)
        return []
    waiting = narration_pending(issue) if settings.NARRATION_ON_PUBLISH else []
    created = []
    for kind in wanted:
        builder = builder_for(kind)
        if builder.uses_narration and waiting and not force:
            # The narration of an edited article is being made: build once it is ready (signals.narration_finished).
            continue
        if kind == Kind.AUDIO and not any(article.narration for article in content.articles):
            withdraw(issue_id=issue.pk, kind=kind)  # its narrations were of articles no longer published
            continue
        digest = inputs_hash(kind, content)
        row = _queue_kind(issue, kind, digest, force=force)
        if row is not None:
            created.append(row)
    return created


def _queue_kind(issue: IssuePage, kind: str, digest: str, *, force: bool) -> EditionFile | None:
    rows = EditionFile.objects.filter(issue_id=issue.pk, kind=kind)
    queued = rows.filter(status=EditionFile.Status.QUEUED).first()
    if queued is not None:
        # The waiting build reads the content when it starts: it will include this change too.
        if queued.source_hash != digest:
            rows.filter(pk=queued.pk, status=EditionFile.Status.QUEUED).update(source_hash=digest)
        return None
    newest = rows.exclude(status=EditionFile.Status.SUPERSEDED).order_by("-version").first()
    if newest is not None and newest.source_hash == digest and not force:
        # Built, building, or failed on exactly these inputs: a failure waits for staff to retry.
        return None
    try:
        with transaction.atomic():
            version = (rows.aggregate(v=Max("version"))["v"] or 0) + 1
            return EditionFile.objects.create(issue=issue, kind=kind, version=version, source_hash=digest)
    except IntegrityError:
        return None  # a concurrent queue_issue created it first


def withdraw(*, issue_id: int, kind: str) -> int:
    """Take every file of this kind of the issue out of service, for when there is nothing left to build it from.

    All versions go, not just the newest, or readers would be handed the one before it. A build under way
    loses its claim (claimed_at is cleared), so it deletes what it made instead of pointing a row at it.
    Returns how many rows were withdrawn.
    """
    rows = list(EditionFile.objects.filter(issue_id=issue_id, kind=kind).exclude(status=EditionFile.Status.SUPERSEDED))
    for row in rows:
        EditionFile.objects.filter(pk=row.pk).update(
            status=EditionFile.Status.SUPERSEDED, file="", claimed_at=None, updated=timezone.now()
        )
        if row.file.name:
            _delete_file(row.file.name)
    if rows:
        _pages_changed()
    return len(rows)


def retry(*, edition_id: int) -> EditionFile:
    """Put a failed build back in the queue (staff's "Retry"); returns the row to build."""
    row = EditionFile.objects.filter(pk=edition_id).first()
    if row is None:
        raise EditionError(f"no edition file with id {edition_id}")
    if row.status != EditionFile.Status.FAILED:
        raise EditionError(f"{row.get_kind_display()} v{row.version} is {row.get_status_display().lower()}, not failed")
    already = EditionFile.objects.filter(issue_id=row.issue_id, kind=row.kind, status=EditionFile.Status.QUEUED).first()
    if already is not None:
        return already
    try:
        with transaction.atomic():
            EditionFile.objects.filter(pk=row.pk, status=EditionFile.Status.FAILED).update(
                status=EditionFile.Status.QUEUED, error="", retryable=False, claimed_at=None
            )
    except IntegrityError:
        return EditionFile.objects.get(issue_id=row.issue_id, kind=row.kind, status=EditionFile.Status.QUEUED)
    row.refresh_from_db()
    return row


# --- Building ---------------------------------------------------------------------


def _claim(edition_id: int) -> tuple[EditionFile | None, Any]:
    now = timezone.now()
    crashed_before = now - timedelta(seconds=settings.EDITIONS_JOB_TIMEOUT)
    claimable = Q(status=EditionFile.Status.QUEUED) | Q(status=EditionFile.Status.RUNNING, claimed_at__lt=crashed_before)
    claimed = EditionFile.objects.filter(claimable, pk=edition_id).update(
        status=EditionFile.Status.RUNNING, claimed_at=now, attempts=F("attempts") + 1, error=""
    )
    row = EditionFile.objects.filter(pk=edition_id).first()
    return row, (now if claimed else None)


def _release(row: EditionFile, claim: Any, **changes: Any) -> bool:
    """Write the outcome only while this job still holds the claim."""
    changes.setdefault("claimed_at", None)
    return bool(EditionFile.objects.filter(pk=row.pk, claimed_at=claim).update(updated=timezone.now(), **changes))


def _store(row: EditionFile, path: Any, slug: str) -> tuple[str, int]:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
        size = fh.tell()
    if size == 0:
        raise BuildError("the builder wrote an empty file", retryable=True)
    storage = edition_storage()
    name = f"editions/{row.issue_id}/{slug[:60]}-{row.kind}-v{row.version}-{digest.hexdigest()[:16]}.{row.extension}"
    if storage.exists(name):  # left by a job that died before its row pointed at it
        _delete_file(name)
    try:
        with open(path, "rb") as fh:
            name = storage.save(name, File(fh, name=name))
    except BaseException as exc:
        # Storage may leave the bytes it managed to write under the final name: nobody points at them, remove them.
        if storage.exists(name):
            storage.delete(name)
        if isinstance(exc, OSError):
            raise BuildError(f"storing the file failed: {exc}", retryable=True) from exc
        raise
    return name, size


def build(*, edition_id: int) -> EditionFile:
    """Build one queued edition file. Returns the row: ready, failed, or as another job left it."""
    row, claim = _claim(edition_id)
    if row is None:
        raise EditionError(f"no edition file with id {edition_id}")
    if claim is None:
        return row  # built, failed, superseded, or another job holds it
    started = time.perf_counter()
    stored: str | None = None
    try:
        issue = IssuePage.objects.filter(pk=row.issue_id).first()
        if issue is None or not issue.live:
            raise BuildError("the issue is no longer published", retryable=False)
        content = issue_content(issue)
        digest = inputs_hash(row.kind, content)
        with workspace() as ws:
            built = builder_for(row.kind).build(content, ws)
            stored, size = _store(row, built.path, issue.slug)
            if row.kind == Kind.PDF:
                _store_stamp_layout(stored, built.path)
        released = _release(
            row,
            claim,
            status=EditionFile.Status.READY,
            file=stored,
            size_bytes=size,
            page_count=built.page_count,
            duration_ms=built.duration_ms,
            details=built.details,
            source_hash=digest,
            error="",
            retryable=False,
            built_at=timezone.now(),
            build_seconds=round(time.perf_counter() - started, 3),
        )
        if not released:
            # A resumed twin finished first and points at its own file; ours is not referenced.
            _delete_file(stored)
        else:
            prune(issue_id=row.issue_id, kind=row.kind)
            _pages_changed()
    except BuildError as exc:
        _failed(row, claim, exc.message, retryable=exc.retryable, stored=stored, started=started)
    except Exception as exc:
        # A bug, not bad content: recorded so staff see it (and may retry after a fix), not re-raised into the worker.
        log.exception("edition file %s failed", row.pk)
        _failed(row, claim, f"internal error: {type(exc).__name__}: {exc}", retryable=True, stored=stored, started=started)
    except BaseException:
        # Interrupted (worker shut down): free the claim so a rerun builds at once.
        _release(row, claim, status=EditionFile.Status.QUEUED)
        if stored:
            _delete_file(stored)
        raise
    row.refresh_from_db()
    return row


def _failed(row: EditionFile, claim: Any, message: str, *, retryable: bool, stored: str | None, started: float) -> None:
    log.warning("edition %s (%s v%s of issue %s) failed: %s", row.pk, row.kind, row.version, row.issue_id, message)
    if stored:
        _delete_file(stored)
    _release(
        row,
        claim,
        status=EditionFile.Status.FAILED,
        error=message[:2000],
        retryable=retryable,
        build_seconds=round(time.perf_counter() - started, 3),
    )


def prune(*, issue_id: int, kind: str) -> int:
    """Delete the files of versions older than the two newest ready ones (the previous stays for downloads in flight)."""
    ready = list(EditionFile.objects.ready().filter(issue_id=issue_id, kind=kind).order_by("-version"))
    pruned = 0
    for old in ready[2:]:
        if old.file.name:
            _delete_file(old.file.name)
        EditionFile.objects.filter(pk=old.pk).update(status=EditionFile.Status.SUPERSEDED, file="")
        pruned += 1
    return pruned


def _store_stamp_layout(name: str, path: Any) -> None:
    """Keep the reading PDF's stamp layout beside it, so no reader's download has to work it out.

    Not keeping it costs only speed (the first download in each process works it out and stores it),
    so a file that cannot take a stamp or a storage hiccup here is logged, not a failed build.
    """
    from masthead.editions import pdf_stamp, stamping

    try:
        stamping.store_layout(storage=edition_storage(), name=name, path=path)
    except (pdf_stamp.StampError, OSError) as exc:
        log.warning("edition file %s: no stamp layout kept beside it: %s", name, exc)


def _delete_file(name: str) -> None:
    """Delete a stored file and the stamp layout kept beside it, if either is there."""
    # Imported here: stamping brings pikepdf, which manage.py commands that never build or stamp need not load.
    from masthead.editions import stamping

    storage = edition_storage()
    stamping.delete_layout(storage=storage, name=name)
    if storage.exists(name):
        storage.delete(name)


def _pages_changed() -> None:
    # The issue page lists the downloads; the anonymous page cache must not keep the old list.
    from masthead.core.pagecache import bump_generation

    transaction.on_commit(bump_generation)
