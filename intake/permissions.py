"""Who may use photo intake: the intake roles (and admins) act; supervisors and admins also see everyone's items."""

from typing import Any

from rest_framework.permissions import BasePermission

from accounts.roles import can_edit, can_see_all_intake


def can_use_intake(user: Any) -> bool:
    return can_edit(user, "intake") or can_see_all_intake(user)


class IntakePermission(BasePermission):
    message = "Your role does not allow photo intake."

    def has_permission(self, request: Any, view: Any) -> bool:
        return can_use_intake(request.user)
