"""A failed build says why in the admin, can be retried, and never leaves a file behind or takes the old one away."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from masthead.editions import services
from masthead.editions.builders import BuildError
from masthead.editions.models import EditionFile
from masthead.editions.tests.support import BUILDS, FakeBuilder, use_fake_builders


def stored_files(settings) -> list[str]:
    root = Path(settings.PRIVATE_FILES_ROOT) / "editions"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def admin_client(client, db):
    admin = get_user_model().objects.create_superuser("chief", "chief@example.com", "a-long-password-1")
    client.force_login(admin)
    return client


def build(issue, kind):
    (row,) = services.queue_issue(issue_id=issue.pk, kinds=[kind], force=True)
    return services.build(edition_id=row.pk)


def test_a_failed_build_is_shown_with_its_reason_and_can_be_retried(magazine, monkeypatch, settings, admin_client):
    use_fake_builders(monkeypatch, pdf=FakeBuilder("pdf", fail=BuildError("the hero image file is missing", retryable=False)))
    row = build(magazine.issue, "pdf")

    assert row.status == EditionFile.Status.FAILED
    assert row.error == "the hero image file is missing" and row.retryable is False
    assert not row.file and stored_files(settings) == []
    page = admin_client.get("/admin/editions/").content.decode()
    assert "the hero image file is missing" in page and "Fix the content first" in page
    assert f"/admin/editions/{row.pk}/retry/" in page

    # The editor fixes the content; staff press Retry.
    use_fake_builders(monkeypatch)
    response = admin_client.post(f"/admin/editions/{row.pk}/retry/")
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == EditionFile.Status.QUEUED
    assert services.build(edition_id=row.pk).status == EditionFile.Status.READY
    assert services.current_files(magazine.issue)["pdf"].pk == row.pk


def test_a_crash_half_way_leaves_no_file_and_keeps_the_old_download(magazine, monkeypatch, settings):
    use_fake_builders(monkeypatch)
    good = build(magazine.issue, "pdf")
    files_before = stored_files(settings)

    use_fake_builders(monkeypatch, pdf=FakeBuilder("pdf", crash_after_writing=True))
    broken = build(magazine.issue, "pdf")

    assert broken.status == EditionFile.Status.FAILED and broken.retryable is True
    assert broken.error.startswith("internal error: RuntimeError")
    assert stored_files(settings) == files_before
    assert services.current_files(magazine.issue)["pdf"].pk == good.pk


def test_running_a_build_twice_builds_once(magazine, monkeypatch):
    use_fake_builders(monkeypatch)
    row = build(magazine.issue, "epub")
    again = services.build(edition_id=row.pk)
    assert again.status == EditionFile.Status.READY and again.file.name == row.file.name
    assert BUILDS[(magazine.issue.pk, "epub")] == 1


def test_a_build_whose_worker_died_is_taken_over_after_the_timeout(magazine, monkeypatch, settings):
    use_fake_builders(monkeypatch)
    (row,) = services.queue_issue(issue_id=magazine.issue.pk, kinds=["epub"])
    EditionFile.objects.filter(pk=row.pk).update(status="running", claimed_at=timezone.now() - timedelta(minutes=1))
    assert services.build(edition_id=row.pk).status == "running"  # a live worker holds it
    EditionFile.objects.filter(pk=row.pk).update(claimed_at=timezone.now() - timedelta(seconds=settings.EDITIONS_JOB_TIMEOUT + 1))
    assert services.build(edition_id=row.pk).status == "ready"


def test_staff_without_the_build_permission_cannot_retry(magazine, monkeypatch, client, editor):
    use_fake_builders(monkeypatch, epub=FakeBuilder("epub", fail=BuildError("disk full", retryable=True)))
    row = build(magazine.issue, "epub")
    client.force_login(editor)
    client.post(f"/admin/editions/{row.pk}/retry/")
    row.refresh_from_db()
    assert row.status == EditionFile.Status.FAILED


def test_retrying_what_did_not_fail_is_refused_with_a_reason(magazine, monkeypatch):
    use_fake_builders(monkeypatch)
    row = build(magazine.issue, "epub")
    with pytest.raises(services.EditionError, match="not failed"):
        services.retry(edition_id=row.pk)


def test_storage_failing_half_way_through_writing_leaves_no_partial_file(magazine, monkeypatch, settings):
    from masthead.core.storage import PrivateFileSystemStorage

    use_fake_builders(monkeypatch)
    good = build(magazine.issue, "pdf")
    files_before = stored_files(settings)

    def disk_full(self, name, content):
        path = Path(self.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"%PDF-1.7 half")  # what a full disk leaves behind
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(PrivateFileSystemStorage, "_save", disk_full)
    broken = build(magazine.issue, "pdf")

    assert broken.status == EditionFile.Status.FAILED and broken.retryable is True
    assert "No space left" in broken.error
    assert stored_files(settings) == files_before
    assert services.current_files(magazine.issue)["pdf"].pk == good.pk
