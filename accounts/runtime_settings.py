"""Runtime settings: typed values a seller changes while the shop runs (docs/configuration.md).

Every app reads them, so they live in the lowest app (the layer rule lets every app call accounts). Deployment
settings stay in the environment (docs/configuration.md). This module is the reading side: `runtime_setting(key)`
returns the stored value, or the default when none is stored.

Caching (docs/configuration.md#how-fresh-a-value-is): each process keeps every row in memory with the
SettingsVersion number it loaded them at. It compares that number with the database (one primary-key read) at
the first read of each request and each queued task, and otherwise at most RUNTIME_SETTINGS_MAX_AGE seconds
after the last comparison; only a changed number reloads the rows (one query). A change bumps the number in
its transaction, so a request or task that starts after the commit sees the new value.
"""

import threading
import time
from typing import Any

from django.conf import settings

from accounts.models import RuntimeSetting, SettingsVersion
from accounts.setting_values import SPECS, SPECS_BY_KEY, value_display, value_load

VERSION_NAME = "runtime_settings"

# Kept for callers that read a code default without the table (e.g. the scoring weights' fallback).
DEFAULTS: dict[str, Any] = {spec.key: spec.default for spec in SPECS if not spec.env}

_lock = threading.Lock()
_cache: dict[str, Any] = {"version": None, "checked": 0.0, "stale": True, "rows": {}}


def settings_version() -> int:
    """The current version number (0 before the first change)."""
    value = SettingsVersion.objects.filter(pk=VERSION_NAME).values_list("value", flat=True).first()
    return int(value or 0)


def runtime_settings_cache_mark_stale(**_: Any) -> None:
    """Compare the version at the next read (connected to request_started and to django-q2's pre_execute)."""
    _cache["stale"] = True


def runtime_settings_cache_clear() -> None:
    """Forget every cached row (after a change in this process, and between tests)."""
    with _lock:
        _cache.update(version=None, checked=0.0, stale=True, rows={})


def _rows() -> dict[str, tuple[str, Any, Any]]:
    now = time.monotonic()
    max_age = float(settings.RUNTIME_SETTINGS_MAX_AGE)
    if _cache["version"] is not None and not _cache["stale"] and now - _cache["checked"] < max_age:
        return _cache["rows"]
    with _lock:
        version = settings_version()
        if version != _cache["version"]:
            rows = RuntimeSetting.objects.values_list("key", "data_type", "value", "default_value")
            _cache["rows"] = {key: (data_type, value, default) for key, data_type, value, default in rows}
            _cache["version"] = version
        _cache.update(checked=now, stale=False)
        return _cache["rows"]


def runtime_setting(key: str) -> Any:
    """The current value of a runtime setting (KeyError for a key that has no default)."""
    row = _rows().get(key)
    spec = SPECS_BY_KEY.get(key)
    if row is not None:
        data_type, value, default = row
        if value is not None:
            return value_load(data_type, value, key=key)
        if spec is not None:
            return value_load(data_type, spec.default_now(), key=key)
        if default is not None:
            return value_load(data_type, default, key=key)
        raise KeyError(key)
    if spec is not None and (spec.env or spec.default is not None):
        return value_load(spec.data_type, spec.default_now(), key=key)
    raise KeyError(key)


def runtime_settings_rows(*, key: str | None = None) -> list[RuntimeSetting]:
    """The settings for pages and the API, in category order, each with `shown_value` (a secret masked) and
    `default_shown` (the default in force: the environment's for env-backed settings)."""
    rows = RuntimeSetting.objects.select_related("updated_by").order_by("category", "key")
    if key is not None:
        rows = rows.filter(key=key)
    found = list(rows)
    for row in found:
        spec = SPECS_BY_KEY.get(row.key)
        default = spec.default_now() if spec is not None else row.default_value
        row.shown_value = value_display(row.data_type, row.value)  # type: ignore[attr-defined]
        row.default_shown = value_display(row.data_type, default)  # type: ignore[attr-defined]
        row.default_source = f"environment {spec.env}" if spec is not None and spec.env else "code"  # type: ignore[attr-defined]
    return found
