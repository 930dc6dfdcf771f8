from typing import Any

from rest_framework.permissions import BasePermission

from accounts.roles import can_view, is_admin


class AdminRolePermission(BasePermission):
    """Operations endpoints expose internals (log records, tables, backups): admin role only, reads included."""

    message = "Only administrators may use the operations endpoints."

    def has_permission(self, request: Any, view: Any) -> bool:
        return is_admin(request.user)


class AnyRolePermission(BasePermission):
    """A user's own things (notifications): any role reads and marks them read."""

    message = "Your account holds no role."

    def has_permission(self, request: Any, view: Any) -> bool:
        return can_view(request.user)
