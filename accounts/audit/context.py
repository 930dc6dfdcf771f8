"""Who the audited changes of the current block are attributed to (a context variable, so threads and tasks
each carry their own).

`AuditActorMiddleware` sets it to the request for web and API calls (the user is resolved when the entry is
written, so DRF token users count); jobs, imports and syncs wrap their work in `audit_actor(kind, label,
user=None)`. Anything else is recorded as the system.
"""

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

ACTOR_KINDS = ("user", "job", "import", "sync", "system")


@dataclass(frozen=True)
class AuditActor:
    kind: str
    label: str
    user: Any = None
    request: Any = None

    def resolve(self) -> tuple[str, str, Any]:
        """(kind, label, user) with a request's user looked up now (DRF authenticates inside the view)."""
        if self.request is not None:
            user = getattr(self.request, "user", None)
            if user is not None and user.is_authenticated:
                return "user", user.get_username(), user
            return "system", "anonymous request", None
        return self.kind, self.label, self.user


_SYSTEM = AuditActor("system", "system")
_actor: contextvars.ContextVar[AuditActor | None] = contextvars.ContextVar("audit_actor", default=None)
_suspended: contextvars.ContextVar[bool] = contextvars.ContextVar("audit_suspended", default=False)


def current_actor() -> AuditActor:
    return _actor.get() or _SYSTEM


def is_suspended() -> bool:
    """True inside `audit_suspended()`."""
    return _suspended.get()


@contextmanager
def audit_actor(kind: str, label: str, user: Any = None) -> Iterator[AuditActor]:
    """Attribute every audited change inside the block to a job, import, sync, system or user.

    `with audit_actor("import", f"import batch #{batch.pk}", user=batch.created_by): ...`
    """
    if kind not in ACTOR_KINDS:
        raise ValueError(f"unknown audit actor kind {kind!r}; expected one of {', '.join(ACTOR_KINDS)}")
    actor = AuditActor(kind, label[:200], user if user is not None and user.is_authenticated else None)
    token = _actor.set(actor)
    try:
        yield actor
    finally:
        _actor.reset(token)


@contextmanager
def audit_suspended() -> Iterator[None]:
    """Record nothing inside the block (benchmarks, data repairs that are themselves recorded elsewhere)."""
    token = _suspended.set(True)
    try:
        yield
    finally:
        _suspended.reset(token)


@contextmanager
def audit_request(request: Any) -> Iterator[None]:
    token = _actor.set(AuditActor("user", "", request=request))
    try:
        yield
    finally:
        _actor.reset(token)
