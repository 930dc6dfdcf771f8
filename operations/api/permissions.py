from typing import Any

from rest_framework.permissions import BasePermission

from accounts.roles import is_admin


class AdminRolePermission(BasePermission):
    """Operations endpoints expose internals (log records, tables, backups): admin role only, reads included."""

    message = "Only administrators may use the operations endpoints."

    def has_permission(self, request: Any, view: Any) -> bool:
        return is_admin(request.user)
