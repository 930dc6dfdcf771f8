"""System checks of the accounts app (registered in AccountsConfig.ready)."""

from collections.abc import Iterable, Iterator
from typing import Any

from django.core.checks import CheckMessage, Error
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.mixins import StaffWriteMixin
from accounts.roles import AREAS


def _routed_view_classes(patterns: Iterable[Any]) -> Iterator[type]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routed_view_classes(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            view_class = getattr(pattern.callback, "view_class", None)
            if view_class is not None:
                yield view_class


def staff_write_views_name_an_area(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Every routed view using StaffWriteMixin sets `required_area` to a known area (there is no default)."""
    errors: list[CheckMessage] = []
    seen: set[type] = set()
    for view_class in _routed_view_classes(get_resolver().url_patterns):
        if view_class in seen or not issubclass(view_class, StaffWriteMixin):
            continue
        seen.add(view_class)
        area = getattr(view_class, "required_area", None)
        if area not in AREAS:
            errors.append(
                Error(
                    f"{view_class.__module__}.{view_class.__qualname__} uses StaffWriteMixin with required_area "
                    f"{area!r}.",
                    hint=f"Set required_area to one of: {', '.join(sorted(AREAS))}.",
                    obj=view_class,
                    id="accounts.E001",
                )
            )
    return errors
