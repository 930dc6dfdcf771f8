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
