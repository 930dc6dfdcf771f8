"""Create the intake and intake-supervisor role groups (accounts.roles), as accounts 0002 does for the first four;
accounts.roles_sync gives them their admin permissions after every migrate."""

from django.db import migrations

ROLES = ("intake", "intake_supervisor")


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for role in ROLES:
        Group.objects.get_or_create(name=role)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0001_intake_items_photos_phases_logs"),
        ("accounts", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
