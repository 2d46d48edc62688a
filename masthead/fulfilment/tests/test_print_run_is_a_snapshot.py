"""A print run is who was entitled to print at the issue's closing date, with the address they had then:
taken once (by the schedule or an editor, never twice), frozen, counted by country, exported in one
documented CSV format with who exported it when."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from masthead.fulfilment.models import PrintRun, PrintRunExport
from masthead.fulfilment.print_runs import COLUMNS, PrintRunError, counts_by_country, take_print_run
from masthead.fulfilment.services import save_address
from masthead.fulfilment.tests.conftest import ADDRESS, make_reader
from masthead.testing import builders

GERMANY = {"name": "Frank", "line1": "Unter den Linden 1", "city": "Berlin", "postcode": "10117", "country": "DE"}


def make_issue(*, closes_in_days: int, number: int = 7) -> Any:
    today = timezone.localdate()
    home = builders.ensure_home()
    issue = builders.make_issue(
        builders.ensure_issue_index(home), volume=42, number=number, cover_date=today + timedelta(days=10), articles=[]
    )
    issue.closing_date = today + timedelta(days=closes_in_days)
    issue.save(update_fields=["closing_date"])
    return issue


def grant_print_from_now(username: str) -> Any:
    """A print subscriber whose subscription started after the closing date."""
    from masthead.access import services

    user = get_user_model().objects.create_user(username, f"{username}@example.com", None)
    services.grant_access(
        user=user,
        kind="subscription",
        reference=f"sub_{username}",
        starts_at=timezone.now(),
        ends_at=timezone.now() + timedelta(days=300),
        includes_print=True,
        note="Digital + Print, annual",
    )
    save_address(user=user, **{**ADDRESS, "name": username.title()})
    return user


@pytest.fixture
def readers(db: Any) -> dict[str, Any]:
    return {
        "alice": make_reader("alice", includes_print=True, address=True),
        "bob": make_reader("bob", includes_print=True),  # no address yet
        "carol": make_reader("carol", address=True),  # digital only
        "eve": make_reader("eve", days_left=-5, includes_print=True, address=True),  # ended before closing
        "late": grant_print_from_now("late"),  # started after closing
    }


def test_the_run_is_who_was_entitled_at_the_closing_date(readers: dict[str, Any]) -> None:
    issue = make_issue(closes_in_days=-2)
    run = take_print_run(issue=issue)
    assert sorted(run.recipients.values_list("email", flat=True)) == ["alice@example.com", "bob@example.com"]
    assert (run.copies, run.missing) == (1, 1)
    assert run.closes_at == timezone.make_aware(timezone.datetime.combine(issue.closing_date, timezone.datetime.min.time()))
    alice = run.recipients.get(email="alice@example.com")
    assert alice.label_lines == ["Alice", "1 Market St", "SAN FRANCISCO, CA 94105", "UNITED STATES"]


def test_a_later_change_of_address_does_not_alter_a_run_already_taken(readers: dict[str, Any]) -> None:
    issue = make_issue(closes_in_days=-1)
    run = take_print_run(issue=issue)
    save_address(user=readers["alice"], **GERMANY)
    save_address(user=readers["bob"], **GERMANY)  # too late for this issue
    again = take_print_run(issue=issue)
    assert again.pk == run.pk and PrintRun.objects.count() == 1
    alice = again.recipients.get(email="alice@example.com")
    assert (alice.city, alice.country) == ("San Francisco", "US")
    assert not again.recipients.get(email="bob@example.com").has_address
    # The next issue's run has the new address.
    nxt = take_print_run(issue=make_issue(closes_in_days=0, number=8))
    assert nxt.recipients.get(email="alice@example.com").country == "DE"


def test_a_run_cannot_be_taken_before_its_closing_date(readers: dict[str, Any]) -> None:
    issue = make_issue(closes_in_days=3)
    with pytest.raises(PrintRunError, match="closes on"):
        take_print_run(issue=issue)
    assert not PrintRun.objects.exists()


def test_copies_are_counted_by_country(readers: dict[str, Any]) -> None:
    for name in ("frank", "gina"):
        user = make_reader(name, includes_print=True)
        save_address(user=user, **{**GERMANY, "name": name.title()})
    run = take_print_run(issue=make_issue(closes_in_days=-1))
    assert [(row.name, row.copies) for row in counts_by_country(run)] == [("Germany", 2), ("United States of America", 1)]


def test_the_schedule_takes_due_runs_once(readers: dict[str, Any]) -> None:
    due = make_issue(closes_in_days=-1, number=9)
    make_issue(closes_in_days=2, number=10)
    out = io.StringIO()
    call_command("take_print_runs", stdout=out)
    assert "Vol. 42 No. 9" in out.getvalue() and "No. 10" not in out.getvalue()
    assert PrintRun.objects.get().issue_id == due.pk and PrintRun.objects.get().taken_by is None
    out = io.StringIO()
    call_command("take_print_runs", stdout=out)
    assert out.getvalue().strip() == "No print run is due." and PrintRun.objects.count() == 1


def test_staff_take_and_export_the_run_and_each_export_is_recorded(
    readers: dict[str, Any], circulation: Any, client: Client
) -> None:
    issue = make_issue(closes_in_days=-1)
    early = make_issue(closes_in_days=4, number=11)
    client.force_login(circulation)
    page = client.get("/admin/print-runs/").content.decode()
    assert "Take the print run" in page and "Opens on the closing date" in page
    # Too early: refused with the reason, nothing written.
    response = client.post("/admin/print-runs/take/", {"issue": early.pk}, follow=True)
    assert "closes on" in response.content.decode() and not PrintRun.objects.exists()
    bad = client.post("/admin/print-runs/take/", {"issue": "12x"}, follow=True)
    assert "Choose an issue" in bad.content.decode() and not PrintRun.objects.exists()
    assert client.post("/admin/print-runs/take/", {"issue": "999999"}).status_code == 404
    assert client.get("/admin/print-runs/take/").status_code == 405
    # Two editors (or a double click) take it at once: one run.
    first = client.post("/admin/print-runs/take/", {"issue": issue.pk})
    second = client.post("/admin/print-runs/take/", {"issue": issue.pk})
    assert first["Location"] == second["Location"] and PrintRun.objects.count() == 1
    run = PrintRun.objects.get()
    assert run.taken_by == circulation
    html = client.get(first["Location"]).content.decode()
    assert "United States of America (US)" in html and "1 print reader missing an address" in html

    assert client.get(f"/admin/print-runs/{run.pk}/export/").status_code == 405  # a prefetch records nothing
    exported = client.post(f"/admin/print-runs/{run.pk}/export/")
    assert exported["Content-Type"].startswith("text/csv") and "attachment" in exported["Content-Disposition"]
    assert "private" in exported["Cache-Control"] and "no-store" in exported["Cache-Control"]
    text = exported.content.decode()
    assert text.startswith(",".join(COLUMNS) + "\r\n")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["name"], r["country_code"], r["label_3"], r["copies"]) for r in rows] == [
        ("Alice", "US", "SAN FRANCISCO, CA 94105", "1")
    ]
    assert "@" not in text  # the mailing house gets addresses, not email addresses
    client.post(f"/admin/print-runs/{run.pk}/export/")
    exports = list(PrintRunExport.objects.filter(run=run))
    assert len(exports) == 2 and {e.exported_by for e in exports} == {circulation}
    assert exports[0].sha256 == exports[1].sha256 and exports[0].format == "masthead-mailing-1"
    assert f"by {circulation.get_username()}" in client.get(first["Location"]).content.decode()


def test_editors_without_the_address_permission_are_refused(readers: dict[str, Any], client: Client) -> None:
    editor = get_user_model().objects.create_user("ed", "ed@example.com", None, is_staff=True)
    from django.contrib.auth.models import Permission

    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    run = take_print_run(issue=make_issue(closes_in_days=-1))
    client.force_login(editor)
    assert client.get("/admin/print-runs/").status_code == 403
    assert client.get(f"/admin/print-runs/{run.pk}/").status_code == 403
    assert client.post(f"/admin/print-runs/{run.pk}/export/").status_code == 403
    assert not PrintRunExport.objects.exists()
