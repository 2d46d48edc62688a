"""Moving Grant, MeterRead and PaywallSettings from members to access lost nothing on an existing database."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# Before the move: members/0002 applied and access not at all. Naming only members/0002 would unapply
# members/0003 but leave access/0001 applied, so its relabelling never ran again and the test proved
# nothing about it (after a flush, which remade today's access content types, it then failed).
BEFORE = [("members", "0002_circulation_group"), ("access", None)]
AFTER = [("access", "0001_initial"), ("members", "0003_access_models_moved")]


@pytest.mark.django_db(transaction=True)
def test_rows_and_staff_permissions_survive_the_move():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE[:1]).apps
    ContentType = old.get_model("contenttypes", "ContentType")
    Group = old.get_model("auth", "Group")
    # A database from before the move has no content types for access (a flush by an earlier
    # transactional test remakes today's through post_migrate; access/0001's reverse gave the moved
    # ones back to members).
    ContentType.objects.filter(app_label="access").delete()
    if not Group.objects.filter(name="Circulation").exists():
        # That flush also emptied the rows migrations wrote: make the group as members/0002 does.
        from importlib import import_module

        import_module("masthead.members.migrations.0002_circulation_group").create_group(old, None)
    before = set(Group.objects.get(name="Circulation").permissions.values_list("content_type__app_label", "codename"))
    assert {("members", "add_grant"), ("members", "change_paywallsettings")} <= before
    User = old.get_model("auth", "User")
    reader = User.objects.create(username="reader", email="reader@example.com")
    old.get_model("members", "Grant").objects.create(user=reader, kind="comp", reference="comp:kept", note="Press pass")
    old.get_model("members", "MeterRead").objects.create(reader_key="u:1", page_id=7)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    from django.contrib.auth.models import Group as TodaysGroup

    from masthead.access.models import Grant, MeterRead

    assert Grant.objects.get(reference="comp:kept").note == "Press pass"
    assert MeterRead.objects.filter(reader_key="u:1", page_id=7).exists()
    circulation = set(TodaysGroup.objects.get(name="Circulation").permissions.values_list("content_type__app_label", "codename"))
    assert {("access", "add_grant"), ("access", "change_paywallsettings")} <= circulation
    assert not {p for p in circulation if p[0] == "members" and p[1].endswith("grant")}
