"""Who did something: a logged-in user, or nobody (a job, an import, the system)."""

from typing import Any

from django.contrib.auth.models import User

Actor = Any  # a User, AnonymousUser or None, as views, tasks and commands hand them over


def actor_or_none(user: Actor) -> User | None:
    """The user to record in created_by/updated_by, or None for anonymous and system actors."""
    return user if isinstance(user, User) and user.is_authenticated else None
