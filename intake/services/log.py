"""The pipeline log: one row per event of an item (and phase), shown on the item page and by the API."""

from typing import Any

from common.actors import Actor as User
from common.actors import actor_or_none as _actor

from ..choices import LogLevel
from ..models import IntakeItem, IntakeLog


def intake_log(
    *,
    item: IntakeItem,
    message: str,
    phase: str = "",
    level: str = LogLevel.INFO,
    details: dict[str, Any] | None = None,
    action: str = "",
    user: User = None,
) -> IntakeLog:
    """Append one line to the item's pipeline log."""
    return IntakeLog.objects.create(
        item=item,
        phase=phase,
        level=level,
        message=message[:500],
        details=details or {},
        action=action,
        user=_actor(user),
    )
