"""Grant, MeterRead and PaywallSettings now belong to the access app (state only; the tables stay)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0002_circulation_group"),
        ("access", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Grant"),
                migrations.DeleteModel(name="MeterRead"),
                migrations.DeleteModel(name="PaywallSettings"),
            ],
            database_operations=[],
        ),
    ]
