"""Staff find readers by email or name and filter by what access they have; others are refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from masthead.members.models import Profile
from masthead.members.tests.staff_fixtures import cast, list_viewer, membership_staff  # noqa: F401 - fixtures

URL = "/admin/members/"

EXPECTED = {
    "": {"sam", "pia", "cody", "gina", "lars", "rita", "fred"},
    "subscriber": {"sam", "pia"},
    "print": {"pia"},
    "comp": {"cody"},
    "gift": {"gina"},
    "lapsed": {"lars"},
    "refunded": {"rita"},
    "free": {"fred"},
}


def _listed(client: Client, **params: str) -> set[str]:
    response = client.get(URL, params)
    assert response.status_code == 200
    html = response.content.decode()
    return {name for name in EXPECTED[""] if f"{name}@example.com" in html}


def test_each_filter_lists_exactly_its_readers(client: Client, membership_staff: Any, cast: Any) -> None:  # noqa: F811
    client.force_login(membership_staff)
    for name, expected in EXPECTED.items():
        assert _listed(client, filter=name) == expected, name
    assert "membership@example.com" not in client.get(URL).content.decode()  # staff are not readers


def test_status_column_names_the_access(client: Client, membership_staff: Any, cast: Any) -> None:  # noqa: F811
    client.force_login(membership_staff)
    html = client.get(URL, {"q": "rita"}).content.decode()
    assert "<td>Refunded</td>" in html
    assert "<td>Comp</td>" in client.get(URL, {"q": "cody"}).content.decode()


def test_search_by_email_or_name(client: Client, membership_staff: Any, cast: Any) -> None:  # noqa: F811
    Profile.objects.create(user=cast["gift"], display_name="Regina Okafor")
    cast["lapsed"].first_name, cast["lapsed"].last_name = "Lars", "Eriksson"
    cast["lapsed"].save()
    client.force_login(membership_staff)
    assert _listed(client, q="PIA@EXAMPLE") == {"pia"}
    assert _listed(client, q="okafor") == {"gina"}
    assert _listed(client, q="Eriksson") == {"lars"}
    assert _listed(client, q="eriksson", filter="subscriber") == set()


def test_list_page_costs_a_fixed_number_of_queries(
    client: Client,
    membership_staff: Any,  # noqa: F811
    cast: Any,  # noqa: F811
    django_assert_max_num_queries: Any,
) -> None:
    client.force_login(membership_staff)
    client.get(URL)  # warm sessions and Wagtail's menu caches
    with django_assert_max_num_queries(25):
        client.get(URL)


@pytest.mark.parametrize("path", ["", "export.csv", "comp/", "import/"])
def test_editor_without_the_permission_gets_403(client: Client, editor: Any, path: str) -> None:
    client.force_login(editor)
    assert client.get(URL + path).status_code == 403
    assert client.post(URL + path).status_code == 403


def test_members_menu_only_for_those_allowed(client: Client, editor: Any, list_viewer: Any) -> None:  # noqa: F811
    client.force_login(editor)
    assert "/admin/members/" not in client.get("/admin/").content.decode()
    client.force_login(list_viewer)
    assert "/admin/members/" in client.get("/admin/").content.decode()


def test_viewer_may_list_but_not_grant_or_import(client: Client, list_viewer: Any) -> None:  # noqa: F811
    client.force_login(list_viewer)
    assert client.get(URL).status_code == 200
    assert client.get(URL + "comp/").status_code == 403
    assert client.post(URL + "import/").status_code == 403


def test_anonymous_goes_to_admin_login(client: Client, db: Any) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
