from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from masthead.fulfilment.services import save_address
from masthead.testing import builders

ADDRESS = {
    "name": "Pat Print",
    "line1": "1 Market St",
    "city": "San Francisco",
    "region": "CA",
    "postcode": "94105",
    "country": "US",
}


def make_reader(username: str, *, days_left: int | None = 20, includes_print: bool = False, address: bool = False) -> Any:
    """A reader with a subscription grant (None: no grant; negative days: ended) and optionally an address."""
    from masthead.access import services

    user = get_user_model().objects.create_user(username, f"{username}@example.com", None)  # no hashing: fast
    if days_left is not None:
        now = timezone.now()
        services.grant_access(
            user=user,
            kind="subscription",
            reference=f"sub_{username}",
            starts_at=now - timedelta(days=30),
            ends_at=now + timedelta(days=days_left),
            includes_print=includes_print,
            note="Digital + Print, annual" if includes_print else "Digital, monthly",
        )
    if address:
        save_address(user=user, **{**ADDRESS, "name": username.title()})
    return user


@pytest.fixture
def circulation(db: Any) -> Any:
    """Staff who handle print: admin access plus the permission to see addresses."""
    group, _ = Group.objects.get_or_create(name="Circulation")
    group.permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
        Permission.objects.get(content_type__app_label="fulfilment", codename="view_postaladdress"),
    )
    user = get_user_model().objects.create_user("circ", "circ@example.com", "a-long-password-1", is_staff=True)
    user.groups.add(group)
    return user


@pytest.fixture
def issue(db: Any, settings: Any, tmp_path: Any) -> Any:
    settings.VAR_DIR = tmp_path / "var"
    home = builders.ensure_home()
    return builders.make_issue(builders.ensure_issue_index(home), volume=41, number=3, cover_date=date(2026, 2, 5), articles=[])
