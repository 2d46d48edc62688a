"""import_members / export_members: the same checks as the admin, for files too big to upload."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from masthead.members.tests.staff_fixtures import cast  # noqa: F401 - fixture


def test_export_then_check_then_import(cast: Any, tmp_path: Path) -> None:  # noqa: F811
    target = tmp_path / "members.csv"
    call_command("export_members", str(target), "--filter", "comp")
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert [r["email"] for r in rows] == ["cody@example.com"]
    call_command("import_members", str(target), "--check")
    get_user_model().objects.filter(email="cody@example.com").delete()
    call_command("import_members", str(target))
    assert get_user_model().objects.filter(email="cody@example.com").exists()


def test_bad_file_lists_problems_and_imports_nothing(db: Any, tmp_path: Path) -> None:
    source = tmp_path / "bad.csv"
    source.write_text("email,complimentary_plan\nok@example.com,true\nbroken,true\n")
    with pytest.raises(CommandError) as caught:
        call_command("import_members", str(source))
    assert "Row 3: 'broken' is not an email address." in str(caught.value)
    assert not get_user_model().objects.exists()
