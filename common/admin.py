"""Helpers shared by the apps' Django Admin classes."""

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest

from .errors import ApplicationError


def admin_each(
    model_admin: admin.ModelAdmin, request: HttpRequest, objects: Iterable[Any], call: Callable[[Any], object]
) -> None:
    """An admin action's work on each selected object through its service: a refusal (ApplicationError) is shown
    as a warning with the service's message, and the other objects still go."""
    for obj in objects:
        try:
            call(obj)
        except ApplicationError as exc:
            model_admin.message_user(request, exc.message, messages.WARNING)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services (caches, ledgers, derived figures): listed and shown, never added, changed or
    deleted from Django Admin."""

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
