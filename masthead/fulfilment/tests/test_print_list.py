"""The print list holds exactly the readers members says get print, flags missing addresses, and exports as CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from masthead.access.entitlements import gets_print
from masthead.fulfilment.exporters.csv_exporter import COLUMNS, CSVMailingExporter
from masthead.fulfilment.mailing import current_mailing, print_recipients
from masthead.fulfilment.services import save_address
from masthead.fulfilment.tests.conftest import ADDRESS, make_reader


def _cast(db: Any) -> dict[str, Any]:
    return {
        "print_with_address": make_reader("alice", includes_print=True, address=True),
        "print_without_address": make_reader("bob", includes_print=True),
        "digital_only": make_reader("carol", address=True),
        "lapsed_print": make_reader("dave", days_left=-1, includes_print=True, address=True),
        "free": make_reader("erin", days_left=None, address=True),
    }


def test_list_is_exactly_the_readers_who_get_print(db: Any) -> None:
    cast = _cast(db)
    from masthead.access import services

    refunded = make_reader("frank", includes_print=True, address=True)
    services.end_access(kind="subscription", reference="sub_frank", reason="refunded")
    listed = {r.user_id for r in print_recipients()}
    assert listed == {cast["print_with_address"].pk, cast["print_without_address"].pk}
    # The list and members' own answer agree for every reader.
    for user in [*get_user_model().objects.all(), refunded]:
        assert (user.pk in listed) == gets_print(user), user.username


def test_missing_addresses_are_flagged_and_left_out_of_the_csv(db: Any) -> None:
    cast = _cast(db)
    mailing = current_mailing()
    assert [r.email for r in mailing.missing] == [cast["print_without_address"].email]
    out = io.StringIO()
    assert CSVMailingExporter().export(mailing, out) == 1
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == COLUMNS
    assert [(r["name"], r["postcode"], r["country"], r["email"]) for r in rows] == [("Alice", "94105", "US", "alice@example.com")]


def test_list_taken_in_the_past_reproduces_who_was_due(db: Any) -> None:
    cast = _cast(db)
    a_week_ago = timezone.now() - timedelta(days=7)
    # The lapsed reader's grant ran until yesterday, so a week ago they were due the print edition.
    assert cast["lapsed_print"].pk in {r.user_id for r in print_recipients(at=a_week_ago)}


def test_csv_cells_cannot_run_as_spreadsheet_formulas_but_phones_keep_their_plus(db: Any) -> None:
    user = make_reader("mallory", includes_print=True)
    save_address(user=user, **{**ADDRESS, "name": "=HYPERLINK(evil)", "line2": "@SUM(A1)", "phone": "+1 415 555 0100"})
    out = io.StringIO()
    CSVMailingExporter().export(current_mailing(), out)
    row = next(csv.DictReader(io.StringIO(out.getvalue())))
    assert row["name"] == "'=HYPERLINK(evil)"
    assert row["line2"] == "'@SUM(A1)"
    assert row["phone"] == "+1 415 555 0100"


def test_two_queries_however_many_readers(db: Any, django_assert_max_num_queries: Any) -> None:
    for i in range(12):
        make_reader(f"reader{i}", includes_print=True, address=i % 2 == 0)
    with django_assert_max_num_queries(3):
        recipients = print_recipients()
        assert len(recipients) == 12
        assert sum(r.missing_address for r in recipients) == 6
