"""Grants, meter reads and the paywall setting move here from members: state only, the tables stay.

The tables keep their names (db_table), so no row moves. The content types
(and with them staff permissions such as the Circulation group's) are relabelled
from members to access, so nobody loses a permission in the move.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MOVED = ["grant", "meterread", "paywallsettings"]


def relabel_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label="access", model=model).exists():
            ContentType.objects.filter(app_label="members", model=model).update(app_label="access")


def unlabel_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label="members", model=model).exists():
            ContentType.objects.filter(app_label="access", model=model).update(app_label="members")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("members", "0002_circulation_group"),
        ("wagtailcore", "0098_apitoken"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Grant",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(choices=[("subscription", "Paid subscription"), ("comp", "Complimentary"), ("gift", "Gift")], max_length=16)),
                        ("reference", models.CharField(max_length=255)),
                        ("starts_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("ends_at", models.DateTimeField(blank=True, help_text="Leave empty for access without an end date.", null=True)),
                        ("includes_print", models.BooleanField(default=False, help_text="The reader also receives the print edition.")),
                        ("revoked_at", models.DateTimeField(blank=True, help_text="Set when access was taken away early.", null=True)),
                        ("revoke_reason", models.CharField(blank=True, max_length=64)),
                        ("note", models.CharField(blank=True, help_text="Plan name or why staff granted it; shown to the reader.", max_length=255)),
                        ("created", models.DateTimeField(auto_now_add=True)),
                        ("updated", models.DateTimeField(auto_now=True)),
                        ("created_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="grants", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "members_grant",
                        "ordering": ["-starts_at"],
                        "indexes": [models.Index(fields=["user", "revoked_at", "ends_at"], name="grant_user_active")],
                        "constraints": [models.UniqueConstraint(fields=("kind", "reference"), name="grant_kind_reference_unique")],
                    },
                ),
                migrations.CreateModel(
                    name="MeterRead",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("reader_key", models.CharField(max_length=80)),
                        ("page_id", models.PositiveIntegerField()),
                        ("read_at", models.DateTimeField(default=django.utils.timezone.now)),
                    ],
                    options={
                        "db_table": "members_meterread",
                        "indexes": [models.Index(fields=["reader_key", "read_at"], name="meter_reader_window")],
                    },
                ),
                migrations.CreateModel(
                    name="PaywallSettings",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("free_articles_per_30_days", models.PositiveSmallIntegerField(default=3, help_text="Subscriber articles a reader without a subscription may read per 30 days. 0 makes a hard paywall.")),
                        ("site", models.OneToOneField(editable=False, on_delete=django.db.models.deletion.CASCADE, to="wagtailcore.site")),
                    ],
                    options={"db_table": "members_paywallsettings", "verbose_name": "paywall"},
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(relabel_content_types, unlabel_content_types),
    ]
