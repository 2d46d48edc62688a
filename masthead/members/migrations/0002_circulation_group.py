"""A "Circulation" group: staff who manage readers' access (grants, gift codes, the paywall) in the admin."""

from django.db import migrations

PERMISSIONS = [
    ("members", "grant", ["add", "change", "view"]),
    ("members", "giftcode", ["add", "change", "view"]),
    ("members", "paywallsettings", ["change", "view"]),
]


def create_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Circulation")
    wanted = [Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")]
    for app_label, model, actions in PERMISSIONS:
        for action in actions:
            wanted.append(Permission.objects.get(content_type__app_label=app_label, codename=f"{action}_{model}"))
    group.permissions.add(*wanted)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Circulation").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0001_grants_gifts_meter"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
