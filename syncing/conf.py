"""Sync engine tunables: a Django setting wins, then an environment variable of the same name, then the default.

Reading the environment here (not in config/settings.py) lets a worker started with e.g. SYNC_LEASE_SECONDS=10
use it without a settings change; every value has a safe default documented where it is used.
"""

import os
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings

T = TypeVar("T")


def sync_setting(name: str, default: T, cast: Callable[[str], T]) -> T:
    if hasattr(settings, name):
        return getattr(settings, name)  # type: ignore[no-any-return]
    raw = os.environ.get(name, "")
    return cast(raw) if raw else default


def floats(raw: str) -> tuple[float, ...]:
    return tuple(float(part) for part in raw.split(",") if part.strip())
