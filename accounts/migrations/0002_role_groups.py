"""Create the four role groups. Their admin model permissions are kept in step by accounts.roles_sync
after every migrate, because permissions of apps migrated later do not exist yet at this point."""

from django.db import migrations

ROLES = ("viewer", "editor", "channel_manager", "admin")


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for role in ROLES:
        Group.objects.get_or_create(name=role)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
