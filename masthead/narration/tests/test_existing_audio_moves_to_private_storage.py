"""Upgrading a site whose narrations sat in public media: migrate moves every file, loses none, keeps every row playing."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from masthead.narration.models import Clip, Narration
from masthead.narration.transcripts import audio_path

BEFORE = [("narration", "0004_starter_lexicon")]
AFTER = [("narration", "0006_move_audio_out_of_public_media")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def walk(storage, top="narration"):
    try:
        dirs, files = storage.listdir(top)
    except FileNotFoundError:
        return set()
    found = {f"{top}/{name}" for name in files}
    for sub in dirs:
        found |= walk(storage, f"{top}/{sub}")
    return found


@pytest.fixture
def old_site(transactional_db, magazine):
    """The state before private storage: rows whose files are in public media, plus files no row names."""
    migrate(BEFORE)
    public = storages["default"]
    page = magazine.subscriber_article
    files = {
        "full": (f"narration/{page.pk}/{page.slug}-r1-full-0123456789abcdef.mp3", b"\xff\xf3full-audio" * 50),
        "teaser": (f"narration/{page.pk}/{page.slug}-r1-teaser-fedcba9876543210.mp3", b"\xff\xf3teaser" * 20),
        "pcm": ("narration/clips/ab/abcdef.pcm", b"\x00\x01" * 300),
        "clip_mp3": ("narration/clips/ab/abcdef.mp3", b"\xff\xf3clip" * 30),
        "stray": ("narration/99/left-by-a-crashed-job.mp3", b"\xff\xf3stray"),
    }
    for name, data in files.values():
        # As the old storage named them (today's public storage would add a random suffix).
        path = Path(public.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    rows = {
        variant: Narration.objects.create(
            page=page,
            revision_id=page.live_revision_id,
            variant=variant,
            voice="old",
            status="ready",
            audio=files[variant][0],
            size_bytes=len(files[variant][1]),
            duration_ms=1000,
        )
        for variant in ("full", "teaser")
    }
    clip = Clip.objects.create(key="abcdef", voice="old", text="x", pcm=files["pcm"][0], sample_rate=16000, samples=300)
    yield files, rows, clip
    migrate(AFTER)  # leave the schema history as the rest of the suite expects


def test_migrate_moves_every_narration_file_to_private_storage(old_site, client, subscriber):
    files, rows, clip = old_site
    public, private = storages["default"], storages["private"]
    # The bug this fixes: before the move, anyone gets the full reading from MEDIA_URL.
    assert client.get(settings.MEDIA_URL + files["full"][0]).status_code == 200

    migrate(AFTER)

    assert walk(public) == set(), "narration files left in public media"
    for name, data in files.values():
        with private.open(name, "rb") as fh:
            assert fh.read() == data, name
    for variant, row in rows.items():
        row.refresh_from_db()
        assert row.audio.name == files[variant][0]
    clip.refresh_from_db()
    assert clip.pcm.name == files["pcm"][0]
    assert client.get(settings.MEDIA_URL + files["full"][0]).status_code == 404
    assert client.get(audio_path(rows["full"])).status_code == 403
    client.force_login(subscriber)
    played = client.get(audio_path(rows["full"]))
    assert played.status_code == 200 and b"".join(played.streaming_content) == files["full"][1]


def test_a_name_already_taken_in_private_storage_gets_a_new_name_and_the_row_follows(old_site):
    files, rows, _ = old_site
    private = storages["private"]
    name, data = files["full"]
    private.save(name, ContentFile(b"a different file under the same name"))

    migrate(AFTER)

    rows["full"].refresh_from_db()
    moved = rows["full"].audio.name
    assert moved != name and moved.startswith(f"narration/{rows['full'].page_id}/")
    with private.open(moved, "rb") as fh:
        assert fh.read() == data
    with private.open(name, "rb") as fh:
        assert fh.read() == b"a different file under the same name"  # nothing overwritten
    assert walk(storages["default"]) == set()


def test_a_move_interrupted_after_copying_is_finished_by_the_next_run_without_a_second_copy(old_site):
    files, rows, _ = old_site
    public, private = storages["default"], storages["private"]
    name, data = files["full"]
    # A previous run copied this file and died before deleting the public copy.
    private.save(name, ContentFile(data))

    migrate(AFTER)

    rows["full"].refresh_from_db()
    assert rows["full"].audio.name == name
    assert walk(private, f"narration/{rows['full'].page_id}") == {files["full"][0], files["teaser"][0]}
    assert walk(public) == set()
    # Running it again finds nothing to do and changes nothing.
    migrate([("narration", "0005_private_storage")])
    migrate(AFTER)
    assert walk(private) == {name for name, _ in files.values()}
