"""Members CSV in Ghost's columns: export, and an import that checks every row first and is idempotent by email."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from masthead.access import entitlements
from masthead.access.models import Grant
from masthead.members import csv_io
from masthead.members.models import Profile
from masthead.members.tests.staff_fixtures import cast, membership_staff  # noqa: F401 - fixtures

HEADER = ",".join(csv_io.COLUMNS)
GHOST_FILE = f"""{HEADER}
6578a1,ada@example.com,Ada Lovelace,Contributor,true,true,cus_Pa1,2023-01-05T10:00:00.000Z,,VIP,Complimentary
6578a2,Bob@Example.com,Bob Stone,,false,false,,2023-02-01T08:30:00.000Z,,,
6578a3,gone@example.com,Gone Reader,,false,false,,2022-02-01T08:30:00.000Z,2023-03-01T00:00:00.000Z,,
"""


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_export_has_ghost_columns_and_each_readers_access(client: Client, membership_staff: Any, cast: Any) -> None:  # noqa: F811
    Profile.objects.create(user=cast["comp"], display_name="Cody Comp")
    client.force_login(membership_staff)
    response = client.get("/admin/members/export.csv")
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode()
    assert text.splitlines()[0] == HEADER
    rows = {r["email"]: r for r in _rows(text)}
    assert set(rows) == {f"{n}@example.com" for n in ("sam", "pia", "cody", "gina", "lars", "rita", "fred")}
    assert rows["cody@example.com"]["complimentary_plan"] == "true"
    assert rows["cody@example.com"]["name"] == "Cody Comp"
    assert rows["sam@example.com"]["complimentary_plan"] == "false"
    assert rows["sam@example.com"]["tiers"] == "Paid subscription"
    assert rows["lars@example.com"]["tiers"] == ""
    assert rows["fred@example.com"]["created_at"].endswith("Z")


def test_export_follows_the_filter(client: Client, membership_staff: Any, cast: Any) -> None:  # noqa: F811
    client.force_login(membership_staff)
    rows = _rows(client.get("/admin/members/export.csv?filter=print").content.decode())
    assert [r["email"] for r in rows] == ["pia@example.com"]


def test_import_creates_readers_and_comps_and_skips_deleted(db: Any) -> None:
    report = csv_io.import_members(GHOST_FILE.encode())
    assert (report.created, report.updated, report.comps, report.skipped_deleted) == (2, 0, 1, 1)
    ada = get_user_model().objects.get(email="ada@example.com")
    assert Profile.objects.get(user=ada).display_name == "Ada Lovelace"
    assert ada.date_joined.isoformat().startswith("2023-01-05T10:00:00")
    assert entitlements.is_subscriber(ada) and Grant.objects.get(user=ada).note == "Contributor"
    bob = get_user_model().objects.get(email="bob@example.com")
    assert not entitlements.is_subscriber(bob)
    assert not get_user_model().objects.filter(email="gone@example.com").exists()


def test_importing_the_same_file_twice_changes_nothing(db: Any) -> None:
    csv_io.import_members(GHOST_FILE)
    grants_before = list(Grant.objects.values_list("pk", "reference", "starts_at", "ends_at", "note"))
    report = csv_io.import_members(GHOST_FILE)
    assert (report.created, report.updated) == (0, 2)
    assert get_user_model().objects.count() == 2
    assert list(Grant.objects.values_list("pk", "reference", "starts_at", "ends_at", "note")) == grants_before


def test_matching_is_by_email_whatever_the_case(member: Any) -> None:
    csv_io.import_members("email,name\nMEMBER@EXAMPLE.COM,Renamed Member\n")
    assert get_user_model().objects.count() == 1
    assert Profile.objects.get(user=member).display_name == "Renamed Member"


def test_a_bad_file_reports_every_problem_by_row_and_imports_nothing(db: Any) -> None:
    bad = f"""{HEADER}
1,good@example.com,Good,,false,false,,,,,
2,not-an-email,X,,false,false,,,,,
3,good@example.com,Twice,,false,false,,,,,
4,c@example.com,C,,maybe,false,,,,,
5,d@example.com,D,,false,false,cus bad,yesterday,,,
"""
    with pytest.raises(csv_io.ImportRejected) as caught:
        csv_io.import_members(bad)
    errors = caught.value.report.errors
    assert any(e.startswith("Row 3: 'not-an-email'") for e in errors)
    assert "Row 4: good@example.com is already on row 2." in errors
    assert any(e.startswith("Row 5: subscribed_to_emails must be true or false") for e in errors)
    assert any(e.startswith("Row 6: stripe_customer_id") for e in errors)
    assert any(e.startswith("Row 6: created_at 'yesterday'") for e in errors)
    assert get_user_model().objects.count() == 0


@pytest.mark.parametrize(
    "data,message",
    [
        (b"name,note\nA,B\n", "Row 1: the header has no 'email' column"),
        (b"email,name\n\xff\xfe,bad\n", "not UTF-8"),
        (b"email\n", "no members"),
        (b"email,name\na@example.com,A,extra\n", "Row 2: more cells than columns"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(db: Any, data: bytes, message: str) -> None:
    with pytest.raises(csv_io.ImportRejected) as caught:
        csv_io.import_members(data)
    assert message in caught.value.report.errors[0]


def test_export_then_import_elsewhere_round_trips(db: Any, cast: Any) -> None:  # noqa: F811
    from masthead.members.staff_queries import readers

    out = io.StringIO()
    csv_io.write_csv(readers(), out)
    exported = out.getvalue()
    Grant.objects.all().delete()
    get_user_model().objects.filter(is_staff=False).delete()
    report = csv_io.import_members(exported)
    assert report.created == 7
    comps = {g.user.email for g in Grant.objects.filter(kind="comp")}
    assert comps == {"cody@example.com"}


def test_import_page_shows_row_errors_with_400_then_imports_a_good_file(
    client: Client,
    membership_staff: Any,  # noqa: F811
) -> None:
    client.force_login(membership_staff)
    bad = SimpleUploadedFile("m.csv", b"email\nnope\n", content_type="text/csv")
    response = client.post("/admin/members/import/", {"file": bad})
    assert response.status_code == 400
    assert "Row 2: &#x27;nope&#x27; is not an email address." in response.content.decode()
    good = SimpleUploadedFile("m.csv", GHOST_FILE.encode(), content_type="text/csv")
    response = client.post("/admin/members/import/", {"file": good}, follow=True)
    assert "Imported: 2 new, 0 updated, 1 comp(s), 1 deleted row(s) skipped." in response.content.decode()
    assert Grant.objects.get(user__email="ada@example.com").created_by == membership_staff
