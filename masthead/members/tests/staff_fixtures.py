"""Fixtures for the staff member tools' tests (imported by those test modules, not a conftest, to keep files apart)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from masthead.access import services


def staff_with(username: str, *codenames: str) -> Any:
    group = Group.objects.create(name=f"{username} group")
    group.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    for codename in codenames:
        group.permissions.add(Permission.objects.get(content_type__app_label="access", codename=codename))
    user = get_user_model().objects.create_user(username, f"{username}@example.com", None, is_staff=True)
    user.groups.add(group)
    return user


@pytest.fixture
def membership_staff(db: Any) -> Any:
    """Staff who look after readers: may see the list and grant comps."""
    return staff_with("membership", "view_grant", "add_grant")


@pytest.fixture
def list_viewer(db: Any) -> Any:
    """Staff who may see and export the list but not grant access."""
    return staff_with("viewer", "view_grant")


def reader(username: str, kind: str | None = None, *, days_left: int = 20, print_: bool = False, refunded: bool = False) -> Any:
    user = get_user_model().objects.create_user(username, f"{username}@example.com", None)
    if kind:
        now = timezone.now()
        services.grant_access(
            user=user,
            kind=kind,
            reference=f"{kind}:{username}",
            starts_at=now - timedelta(days=30),
            ends_at=now + timedelta(days=days_left),
            includes_print=print_,
        )
        if refunded:
            services.end_access(kind=kind, reference=f"{kind}:{username}", reason="refunded")
    return user


@pytest.fixture
def cast(db: Any) -> dict[str, Any]:
    """One reader of each kind the list filters on."""
    return {
        "sub": reader("sam", "subscription"),
        "print": reader("pia", "subscription", print_=True),
        "comp": reader("cody", "comp"),
        "gift": reader("gina", "gift"),
        "lapsed": reader("lars", "subscription", days_left=-2),
        "refunded": reader("rita", "subscription", refunded=True),
        "free": reader("fred"),
    }
