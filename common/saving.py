"""The services' plain save of a row from keyword fields: only the allowed names, the actor stamps, validation."""

from typing import Any, TypeVar

from django.db import models

from .actors import Actor, actor_or_none
from .errors import ApplicationError

M = TypeVar("M", bound=models.Model)


def fields_save(instance: M, fields: dict[str, Any], allowed: tuple[str, ...], user: Actor) -> M:
    """Set `fields` on `instance` (refusing names outside `allowed`), stamp created_by/updated_by where the model has
    them, run the model's validation (full_clean) and save."""
    unknown = set(fields).difference(allowed)
    if unknown:
        raise ApplicationError(f"Unknown field(s): {', '.join(sorted(unknown))}.")
    for name, value in fields.items():
        setattr(instance, name, value)
    actor = actor_or_none(user)
    if hasattr(instance, "updated_by_id"):
        if instance._state.adding:
            instance.created_by = actor  # type: ignore[attr-defined]
        instance.updated_by = actor  # type: ignore[attr-defined]
    instance.full_clean()
    instance.save()
    return instance
