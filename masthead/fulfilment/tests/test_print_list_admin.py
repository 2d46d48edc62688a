"""Staff with the address permission see the print list and download it; editors without it get 403."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.test import Client

from masthead.fulfilment.tests.conftest import make_reader

URL = "/admin/print-list/"


def test_circulation_staff_see_the_list_with_missing_addresses_flagged(client: Client, circulation: Any, issue: Any) -> None:
    make_reader("alice", includes_print=True, address=True)
    make_reader("bob", includes_print=True)
    make_reader("carol", address=True)  # digital only
    client.force_login(circulation)
    assert "/admin/print-list/" in client.get("/admin/").content.decode()  # the menu item
    html = client.get(URL).content.decode()
    assert "alice@example.com" in html and "bob@example.com" in html
    assert "carol@example.com" not in html
    assert "1 missing an address" in html
    assert "Missing address" in html
    assert "Vol. 41 No. 3" in html  # the issue filter offers the issue

    first = client.get(f"{URL}csv/?issue={issue.pk}")
    assert first.status_code == 302 and first["Location"].endswith("-v1.csv")
    # Nothing changed: the same version again, not a new one.
    assert client.get(f"{URL}csv/?issue={issue.pk}")["Location"] == first["Location"]
    response = client.get(first["Location"])
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["email"] for r in rows] == ["alice@example.com"]
    assert rows[0]["issue"].startswith("Vol. 41 No. 3")


def test_unknown_issue_is_404(client: Client, circulation: Any, db: Any) -> None:
    client.force_login(circulation)
    assert client.get(f"{URL}?issue=999999").status_code == 404
    assert client.get(f"{URL}csv/?issue=abc").status_code == 404


def test_editor_without_the_permission_gets_403_and_no_menu_item(client: Client, editor: Any, db: Any) -> None:
    client.force_login(editor)
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}csv/").status_code == 403
    assert "/admin/print-list/" not in client.get("/admin/").content.decode()


def test_anonymous_is_sent_to_the_admin_login(client: Client, db: Any) -> None:
    response = client.get(f"{URL}csv/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_changed_list_is_a_new_version_and_old_versions_stay_downloadable(client: Client, circulation: Any, issue: Any) -> None:
    make_reader("alice", includes_print=True, address=True)
    client.force_login(circulation)
    v1 = client.get(f"{URL}csv/?issue={issue.pk}")["Location"]
    make_reader("dora", includes_print=True, address=True)
    v2 = client.get(f"{URL}csv/?issue={issue.pk}")["Location"]
    assert v1.endswith("-v1.csv") and v2.endswith("-v2.csv")
    assert "dora@example.com" not in client.get(v1).content.decode()
    assert "dora@example.com" in client.get(v2).content.decode()
    assert "Version 2" in client.get(f"{URL}?issue={issue.pk}").content.decode()


def test_export_downloads_are_refused_without_the_permission(client: Client, circulation: Any, editor: Any, issue: Any) -> None:
    make_reader("alice", includes_print=True, address=True)
    client.force_login(circulation)
    url = client.get(f"{URL}csv/?issue={issue.pk}")["Location"]
    client.force_login(editor)
    assert client.get(url).status_code == 403
