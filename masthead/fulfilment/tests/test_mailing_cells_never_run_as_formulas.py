"""Every way a mailing list leaves Masthead (staff download, the command) defuses spreadsheet formulas."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.test import Client

from masthead.fulfilment.services import save_address
from masthead.fulfilment.tests.conftest import ADDRESS, make_reader

HOSTILE = {"name": "=HYPERLINK(evil)", "line1": "+cmd|' /C calc'!A0", "line2": "@SUM(A1)", "city": "-2+3+cmd|' /C calc'!A0"}


def _mallory_row(text: str) -> dict[str, str]:
    return next(r for r in csv.DictReader(io.StringIO(text)) if r["email"] == "mallory@example.com")


def _assert_defused(row: dict[str, str]) -> None:
    for field, value in HOSTILE.items():
        assert row[field] == "'" + value, field
    assert row["phone"] == "+1 415 555 0100"  # a phone number keeps its plus


def _mallory(db: Any) -> None:
    user = make_reader("mallory", includes_print=True)
    save_address(user=user, **{**ADDRESS, **HOSTILE, "phone": "+1 415 555 0100"})


def test_the_staff_download_defuses_formulas(client: Client, circulation: Any, issue: Any) -> None:
    _mallory(issue)
    client.force_login(circulation)
    download = client.get(f"/admin/print-list/csv/?issue={issue.pk}")["Location"]
    _assert_defused(_mallory_row(client.get(download).content.decode()))


def test_the_export_command_defuses_formulas(issue: Any, tmp_path: Path) -> None:
    _mallory(issue)
    target = tmp_path / "mailing.csv"
    call_command("export_mailing_list", "--issue", str(issue.pk), str(target), stderr=io.StringIO())
    _assert_defused(_mallory_row(target.read_text(encoding="utf-8")))
