"""A small in-process event bus: a service publishes what happened; other apps react without being imported.

An app lower in the app map (README, "The layer rule") must not call the services of an app above it. When
such an app's change matters upstream, its service publishes an event and the upstream app subscribes a handler
in its `AppConfig.ready()`. Handlers run synchronously, in the publisher's transaction, and should only enqueue
work (`common.enqueue`), so the reaction commits or rolls back with the change that caused it.
Signals stay for audit only.
"""

from collections import defaultdict
from collections.abc import Callable
from typing import Any

Handler = Callable[..., None]

_handlers: defaultdict[str, list[Handler]] = defaultdict(list)


def subscribe(event: str, handler: Handler) -> None:
    """Call `handler(**payload)` on every `publish(event, **payload)`; subscribing the same handler twice is a no-op."""
    if handler not in _handlers[event]:
        _handlers[event].append(handler)


def publish(event: str, **payload: Any) -> None:
    """Run the handlers of `event` in subscription order; an event without subscribers does nothing."""
    for handler in tuple(_handlers.get(event, ())):
        handler(**payload)


def subscribers(event: str) -> tuple[Handler, ...]:
    """The handlers subscribed to `event` (for tests and the system check of wiring)."""
    return tuple(_handlers.get(event, ()))
