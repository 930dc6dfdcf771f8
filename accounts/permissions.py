"""DRF permission: safe methods need any role, unsafe methods need the edit right of the view's area."""

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.roles import can_edit, can_view


class RolePermission(BasePermission):
    """Reads need viewer+; writes need `can_edit(user, view.required_role_area)` (admin if the view sets none).

    A view may also define `get_required_role_area(request)` to pick the area per action.
    """

    message = "Your role does not allow this."

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        if request.method in SAFE_METHODS:
            return can_view(user)
        getter = getattr(view, "get_required_role_area", None)
        area = getter(request) if getter else getattr(view, "required_role_area", None)
        return can_edit(user, area or "admin")


class AllowAnyRole(BasePermission):
    """For endpoints open to anybody (token login, health); states the intent explicitly."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return True
