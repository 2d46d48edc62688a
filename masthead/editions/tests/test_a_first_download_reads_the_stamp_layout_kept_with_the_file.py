"""A reader's first download in a fresh worker process costs no more than the next one.

The reading PDF's stamp layout (everything of a reader's update that does not depend on the reader)
is worked out when the file is built and kept beside it in private storage; a download in a process
that has never stamped the file reads it, instead of opening the PDF with pikepdf and unpacking the
font. The copy is byte for byte the one worked out from the file. A file built before layouts were
kept still downloads right and gets its layout then; a layout that is cut short or describes another
file is never used, and an interrupted write leaves none behind.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from django.utils import timezone

from masthead.editions import pdf_stamp, services, stamping
from masthead.editions.models import EditionFile, edition_storage
from masthead.editions.tests.support import FakeBuilder, build_reading_pdf


@pytest.fixture
def built(magazine, monkeypatch) -> EditionFile:
    return build_reading_pdf(magazine.issue, monkeypatch)


@pytest.fixture
def fresh_process(monkeypatch):
    """As in a worker that has never stamped a file: nothing cached, the font not unpacked."""
    font = pdf_stamp.stamp_font
    monkeypatch.setattr(pdf_stamp, "_PLANS", type(pdf_stamp._PLANS)())
    font.cache_clear()
    yield
    font.cache_clear()


def layout_path(row: EditionFile) -> Path:
    return Path(row.file.path + stamping.LAYOUT_SUFFIX)


def forbid_working_it_out(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("the download worked the stamp layout out instead of reading the stored one")

    monkeypatch.setattr(pdf_stamp, "read_plan", refuse)
    monkeypatch.setattr(pdf_stamp, "stamp_font", refuse)


def worked_out_from_the_file(row: EditionFile, email: str) -> bytes:
    """The reader's copy as the stamp makes it from the file itself, with nothing stored or cached."""
    return stamping.stamp_pdf(Path(row.file.path), email=email, on=timezone.localdate())


def download(client_for, magazine, persona: str = "subscriber") -> bytes:
    response = client_for(persona).get(f"/issues/{magazine.issue.slug}/pdf/")
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(data)
    return data


def test_building_the_reading_pdf_keeps_its_stamp_layout_beside_it_and_removes_it_with_the_file(built, magazine):
    path = layout_path(built)
    assert path.is_file()
    plan, about = pdf_stamp.plan_from_json(path.read_bytes())
    assert about["file"] == built.file.name and plan.size == built.size_bytes
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".part")] == []

    services.withdraw(issue_id=magazine.issue.pk, kind="pdf")
    assert not path.exists() and not Path(built.file.path).exists()


def test_a_download_in_a_process_that_never_stamped_the_file_reads_the_stored_layout(
    built, magazine, client_for, fresh_process, monkeypatch
):
    expected = worked_out_from_the_file(built, "subscriber@example.com")
    pdf_stamp._PLANS.clear()
    pdf_stamp.stamp_font.cache_clear()
    forbid_working_it_out(monkeypatch)

    assert download(client_for, magazine) == expected


def test_a_file_built_before_layouts_were_kept_still_downloads_stamped_right_and_keeps_its_layout(
    built, magazine, client_for, fresh_process, monkeypatch
):
    layout_path(built).unlink()  # as a file built before this change: no layout beside it
    expected = worked_out_from_the_file(built, "subscriber@example.com")
    pdf_stamp._PLANS.clear()

    data = download(client_for, magazine)
    assert data == expected
    text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
    assert "subscriber@example.com" in " ".join(text.split())
    assert layout_path(built).is_file(), "the layout worked out on download was not kept"

    # The next process reads what the first one stored.
    pdf_stamp._PLANS.clear()
    forbid_working_it_out(monkeypatch)
    assert download(client_for, magazine) == expected


def test_an_interrupted_layout_write_leaves_no_layout_and_the_file_still_downloads(
    magazine, client_for, fresh_process, monkeypatch
):
    real_replace = os.replace

    def interrupted(source, target):
        if str(target).endswith(stamping.LAYOUT_SUFFIX):
            raise KeyboardInterrupt  # the worker is stopped between writing the layout and putting it in place
        return real_replace(source, target)

    monkeypatch.setattr(stamping.os, "replace", interrupted)
    real = services.builder_for
    monkeypatch.setattr(services, "builder_for", lambda kind: real(kind) if kind == "pdf" else FakeBuilder(kind))
    (row,) = services.queue_issue(issue_id=magazine.issue.pk, kinds=["pdf"])
    with pytest.raises(KeyboardInterrupt):
        services.build(edition_id=row.pk)

    # Nothing half-made is left: no layout, no temporary file, no PDF nobody points at.
    root = Path(edition_storage().path("editions"))
    assert [p.name for p in root.rglob("*") if p.is_file()] == []
    row.refresh_from_db()
    assert row.status == EditionFile.Status.QUEUED and not row.file

    monkeypatch.setattr(stamping.os, "replace", real_replace)
    row = services.build(edition_id=row.pk)
    assert row.status == EditionFile.Status.READY and layout_path(row).is_file()


def test_a_layout_cut_short_or_describing_another_file_is_never_used(built, magazine, client_for, fresh_process):
    expected = worked_out_from_the_file(built, "subscriber@example.com")
    path = layout_path(built)
    whole = path.read_bytes()

    # What a storage that cannot rename might leave: the first part of the document.
    path.write_bytes(whole[: len(whole) // 2])
    pdf_stamp._PLANS.clear()
    assert download(client_for, magazine) == expected
    assert path.read_bytes() == whole, "the unreadable layout was not replaced by the file's own"

    # A layout for another version of the file (same name, other bytes) is ignored too.
    plan, about = pdf_stamp.plan_from_json(whole)
    other = replace(plan, size=plan.size + 1, previous=0)
    path.write_bytes(pdf_stamp.plan_to_json(other, **about))
    pdf_stamp._PLANS.clear()
    assert download(client_for, magazine) == expected
    assert path.read_bytes() == whole


def test_a_layout_worked_out_at_build_time_stamps_exactly_what_working_it_out_on_download_does(built):
    with open(built.file.path, "rb") as handle:
        on_download = pdf_stamp.read_plan(handle)
    stored = stamping.stored_layout(storage=edition_storage(), name=built.file.name, size=built.size_bytes)
    assert stored == on_download
    for email in ("reader@example.com", "anna@例え.jp", "a." * 60 + "long@example.com"):
        line = stamping.reader_line(email, timezone.localdate())
        assert pdf_stamp.reader_part(stored, line=line, reader=email) == pdf_stamp.reader_part(
            on_download, line=line, reader=email
        )
