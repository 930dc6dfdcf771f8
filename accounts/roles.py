"""Roles are Django groups (created by migration 0002). Every page and endpoint asks these helpers.

viewer reads everything; editor edits catalog and listings and runs imports and syncs; channel_manager edits
channels and their credentials; admin does everything. Superusers pass every check.
"""

from typing import Any

from django.core.exceptions import PermissionDenied

from accounts.models import UserProfile
from channels.models import Channel

VIEWER = "viewer"
EDITOR = "editor"
CHANNEL_MANAGER = "channel_manager"
ADMIN = "admin"
# Photo intake (docs/intake.md): intake staff upload and see their own items; intake supervisors see everyone's.
INTAKE = "intake"
INTAKE_SUPERVISOR = "intake_supervisor"
ROLES: tuple[str, ...] = (VIEWER, EDITOR, CHANNEL_MANAGER, ADMIN, INTAKE, INTAKE_SUPERVISOR)
ROLE_LABELS = {
    VIEWER: "Viewer",
    EDITOR: "Editor",
    CHANNEL_MANAGER: "Channel manager",
    ADMIN: "Admin",
    INTAKE: "Intake",
    INTAKE_SUPERVISOR: "Intake supervisor",
}

AREAS = frozenset({"catalog", "listings", "imports", "sync", "channels", "admin", "intake"})
EDIT_AREAS: dict[str, frozenset[str]] = {
    VIEWER: frozenset(),
    EDITOR: frozenset({"catalog", "listings", "imports", "sync"}),
    CHANNEL_MANAGER: frozenset({"channels"}),
    ADMIN: AREAS,
    INTAKE: frozenset({"intake"}),
    INTAKE_SUPERVISOR: frozenset({"intake"}),
}
_CACHE_ATTR = "_lm_role_names"


def user_roles(user: Any) -> frozenset[str]:
    """The role names of `user` (cached on the user object for the request)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_roles(user: Any) -> None:
    """Drop the cached role names after changing a user's groups."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def user_has_role(user: Any, role: str) -> bool:
    """True if the user holds `role` (the admin role and superusers hold every role)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    if user.is_superuser:
        return True
    roles = user_roles(user)
    return role in roles or ADMIN in roles


def can_view(user: Any) -> bool:
    """Reading needs any role (viewer or above)."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    return bool(user.is_superuser or user_roles(user))


def can_edit(user: Any, area: str) -> bool:
    """True if the user may change things in `area` (catalog, listings, imports, sync, channels, admin)."""
    if area not in AREAS:
        raise ValueError(f"unknown area {area!r}; expected one of {', '.join(sorted(AREAS))}")
    if not can_view(user):
        return False
    if user.is_superuser:
        return True
    return any(area in EDIT_AREAS[role] for role in user_roles(user))


def is_admin(user: Any) -> bool:
    return can_edit(user, "admin")


def allowed_channel_ids(user: Any) -> frozenset[int] | None:
    """Channel ids the user is limited to, or None for every channel (no restriction, superuser or admin).

    Channel pages, listing lists and the API filter with this: `qs.filter(channel_id__in=ids)` when not None.
    """
    if user is None or not getattr(user, "is_authenticated", False) or user.is_superuser or is_admin(user):
        return None
    if not hasattr(user, "_lm_channel_ids"):
        ids = UserProfile.objects.filter(user=user).values_list("allowed_channel_ids", flat=True).first()
        user._lm_channel_ids = frozenset(int(i) for i in ids) if ids else None
    result: frozenset[int] | None = user._lm_channel_ids
    return result


def can_use_channel(user: Any, channel_id: int) -> bool:
    ids = allowed_channel_ids(user)
    return ids is None or channel_id in ids


def channel_scoped(queryset: Any, user: Any, field: str = "channel") -> Any:
    """`queryset` narrowed to the channels `user` may use; unchanged for an unrestricted user.

    `field` is the lookup of the channel on the queryset's model: "pk" for channels, "channel" for listings,
    jobs and events. Every staff page and API view that lists or fetches channel-bound rows goes through this,
    so a restricted user gets a 404 for another channel's rows, as if they did not exist.
    """
    ids = allowed_channel_ids(user)
    if ids is None:
        return queryset
    return queryset.filter(**{f"{field}__in": sorted(ids)})


def channel_access_check(user: Any, channels: Any) -> None:
    """Refuse (PermissionDenied, a 403 page or API response) when `user` is limited to other channels.

    `channels` holds Channel instances or ids. Services that take channels from the caller (assign, create,
    publish) call this; jobs and imports acting as the system (user None) are never restricted.
    """
    ids = allowed_channel_ids(user)
    if ids is None:
        return
    wanted = {int(getattr(c, "pk", c)) for c in channels}
    refused = sorted(wanted - ids)
    if refused:
        names = ", ".join(Channel.objects.filter(pk__in=refused).order_by("name").values_list("name", flat=True))
        raise PermissionDenied(f"You are limited to other channels and may not act on: {names or refused}.")


def user_channels(request: Any) -> Any:
    """Channels the request's user may use, for filter and form choices (django-filter passes the request)."""
    return channel_scoped(Channel.objects.order_by("name"), getattr(request, "user", None), "pk")


def can_see_all_intake(user: Any) -> bool:
    """Intake supervisors, admins and superusers see every intake item; everyone else only their own."""
    if not can_view(user):
        return False
    return bool(user.is_superuser or user_roles(user) & {ADMIN, INTAKE_SUPERVISOR})
