"""Give each role group the Django model permissions that match it, so the admin agrees with accounts.roles."""

from typing import Any

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from accounts.roles import ADMIN, CHANNEL_MANAGER, EDITOR, INTAKE, INTAKE_SUPERVISOR, ROLES, VIEWER

# App labels whose models a role may change in the Django admin.
ROLE_EDIT_APPS: dict[str, tuple[str, ...] | None] = {
    VIEWER: (),
    EDITOR: ("catalog", "listings", "syncing"),
    CHANNEL_MANAGER: ("channels",),
    ADMIN: None,  # every permission
    INTAKE: ("intake",),
    INTAKE_SUPERVISOR: ("intake",),
}


def role_permissions_sync(**kwargs: Any) -> None:
    """post_migrate handler: (re)create role groups and set their permissions. Idempotent.

    Runs once, for the last installed app with models, when every app's permissions have been created.
    """
    app_config = kwargs.get("app_config")
    with_models = [a for a in apps.get_app_configs() if a.models_module is not None]
    if app_config is not None and with_models and app_config.label != with_models[-1].label:
        return
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        edit_apps = ROLE_EDIT_APPS[role]
        if edit_apps is None:
            perms = Permission.objects.all()
        else:
            perms = Permission.objects.filter(
                Q(codename__startswith="view_") | Q(content_type__app_label__in=edit_apps)
            )
        perms = perms.exclude(
            content_type__app_label="accounts",
            content_type__model="auditentry",
            codename__regex=r"^(add|change|delete)_",
        )
        group.permissions.set(perms)
