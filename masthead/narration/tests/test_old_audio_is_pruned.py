"""Storage grows with the archive, not with every edit: superseded audio is deleted, what readers hear is kept."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command

from masthead.core.private_files import private_storage
from masthead.narration import retention, services
from masthead.narration.models import Clip, Narration
from masthead.narration.tests.support import CountingEngine, edit_paragraph, make_long_article
from masthead.narration.transcripts import audio_path

NOW = timedelta(0)


def _files() -> set[str]:
    return set(retention._walk("narration"))


@pytest.fixture
def edited_twice(magazine):
    """An article narrated at three revisions: the first, then after two one-paragraph edits."""
    page = make_long_article(magazine, paragraphs=4)
    engine = CountingEngine()
    first = services.narrate(page_id=page.pk, engine=engine)
    page = edit_paragraph(page, 1, "The second paragraph, rewritten once.")
    second = services.narrate(page_id=page.pk, engine=engine)
    page = edit_paragraph(page, 1, "The second paragraph, rewritten twice.")
    third = services.narrate(page_id=page.pk, engine=engine)
    return page, engine, [first, second, third]


def test_only_the_audio_readers_get_stays_and_it_still_plays(client, edited_twice):
    page, engine, (first, second, third) = edited_twice
    before = _files()
    pruned = retention.prune(grace=NOW)

    assert list(Narration.objects.filter(page=page)) == [third]
    assert pruned.narrations == 2
    # The two superseded versions of paragraph two (PCM and MP3 each) and the two superseded MP3s.
    assert pruned.clips == 2 and len(pruned.files) == 6
    assert before - _files() == set(pruned.files)
    assert first.audio.name in pruned.files and second.audio.name in pruned.files
    assert Clip.objects.count() == len(third.segments)
    response = client.get(audio_path(third))
    assert response.status_code == 200 and int(response["Content-Length"]) == third.size_bytes

    # The paragraph cache survived: the next edit speaks one paragraph, not the article.
    engine.calls.clear()
    page = edit_paragraph(page, 2, "The third paragraph, rewritten.")
    assert services.narrate(page_id=page.pk, engine=engine).status == "ready"
    assert engine.calls == ["The third paragraph, rewritten."]


def test_nothing_younger_than_the_grace_period_is_touched(edited_twice):
    before = _files()
    pruned = retention.prune()  # 30 days by default: a podcast app may still fetch yesterday's enclosure
    assert (pruned.narrations, pruned.clips, pruned.files) == (0, 0, [])
    assert _files() == before and Narration.objects.count() == 3


def test_a_dry_run_counts_the_same_and_deletes_nothing(edited_twice):
    before, rows = _files(), Narration.objects.count()
    dry = retention.prune(grace=NOW, dry_run=True)
    assert _files() == before and Narration.objects.count() == rows
    real = retention.prune(grace=NOW)
    assert (dry.narrations, dry.clips, sorted(dry.files), dry.bytes) == (
        real.narrations,
        real.clips,
        sorted(real.files),
        real.bytes,
    )


def test_a_gated_article_keeps_both_the_full_reading_and_the_teaser(magazine):
    page = make_long_article(magazine, paragraphs=4, access="subscribers")
    engine = CountingEngine()
    for variant in ("full", "teaser"):
        services.narrate(page_id=page.pk, variant=variant, engine=engine)
    retention.prune(grace=NOW)
    assert sorted(Narration.objects.filter(page=page).values_list("variant", flat=True)) == ["full", "teaser"]
    assert all(private_storage.exists(n.audio.name) for n in Narration.objects.filter(page=page))


def test_a_stray_file_from_a_crashed_job_goes_once_it_is_old(magazine, settings):
    stray = "narration/99/left-by-a-crash.mp3"
    private_storage.save(stray, ContentFile(b"\xff\xf3" * 10))
    assert retention.prune(grace=timedelta(days=1)).files == []  # written just now: maybe a job is mid-way
    path = Path(settings.PRIVATE_FILES_ROOT) / stray
    two_days_ago = time.time() - 2 * 86400
    os.utime(path, (two_days_ago, two_days_ago))
    assert retention.prune(grace=timedelta(days=1)).files == [stray]
    assert not path.exists()


def test_the_command_reports_and_refuses_a_negative_grace(edited_twice):
    out = StringIO()
    call_command("prune_audio", "--grace-days", "0", "--dry-run", stdout=out)
    assert out.getvalue().startswith("Would delete 2 superseded narrations, 2 unused clips and 6 files")
    assert Narration.objects.count() == 3
    with pytest.raises(CommandError, match="--grace-days must be 0 or more; got -1"):
        call_command("prune_audio", "--grace-days", "-1")
