"""export_mailing_list --issue <id> PATH writes the whole list or nothing, and says whether a retry can help."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from masthead.fulfilment.exporters import MailingExportError
from masthead.fulfilment.exporters.csv_exporter import CSVMailingExporter
from masthead.fulfilment.tests.conftest import make_reader


def test_writes_the_issue_list_and_reports_missing(issue: Any, tmp_path: Path) -> None:
    make_reader("alice", includes_print=True, address=True)
    make_reader("bob", includes_print=True)
    err = io.StringIO()
    target = tmp_path / "mailing.csv"
    call_command("export_mailing_list", "--issue", str(issue.pk), str(target), stderr=err)
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert [r["email"] for r in rows] == ["alice@example.com"]
    assert "missing address: bob@example.com" in err.getvalue()
    assert "(version 1): wrote 1 address(es)" in err.getvalue()
    # The file sent to the mailing house is kept as a version of the issue's list.
    from masthead.fulfilment.models import MailingListExport

    assert MailingListExport.objects.get(issue=issue).content == target.read_text(encoding="utf-8").replace("\n", "\r\n")


def test_unknown_issue_names_the_id(db: Any, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="--issue 424242"):
        call_command("export_mailing_list", "--issue", "424242", str(tmp_path / "x.csv"))


def test_missing_folder_is_not_retryable(issue: Any, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="does not exist") as caught:
        call_command("export_mailing_list", "--issue", str(issue.pk), str(tmp_path / "nope" / "x.csv"))
    assert caught.value.returncode == 1


def test_a_failed_write_leaves_the_previous_file_untouched_and_is_retryable(issue: Any, tmp_path: Path, monkeypatch: Any) -> None:
    make_reader("alice", includes_print=True, address=True)
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "mailing.csv"
    target.write_text("previous complete list\n")

    def disk_full(self: Any, mailing: Any, out: Any) -> int:
        out.write("issue,name\r\nhalf a row")
        raise MailingExportError("No space left on device", retryable=True)

    monkeypatch.setattr(CSVMailingExporter, "export", disk_full)
    with pytest.raises(CommandError, match="No space left") as caught:
        call_command("export_mailing_list", "--issue", str(issue.pk), str(target))
    assert caught.value.returncode == 75
    assert target.read_text() == "previous complete list\n"
    assert sorted(p.name for p in folder.iterdir()) == ["mailing.csv"]  # no temp file left behind
