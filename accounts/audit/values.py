"""What an audit entry records of a model instance: the audited fields, JSON-ready, secrets masked."""

import datetime as dt
import decimal
import functools
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models
from django.db.models.fields.files import FieldFile

IGNORED_FIELDS = frozenset(
    {"created_at", "updated_at", "created_by", "updated_by", "last_login", "search_vector", "version"}
)
# Derived columns recomputed from other fields (recording them only adds noise).
# Marketplace echoes and breaker counters of the sync engine are kept out too (large, and not a decision).
MODEL_IGNORED_FIELDS: dict[str, frozenset[str]] = {
    "catalog.category": frozenset({"path", "depth"}),
    "channels.channel": frozenset({"circuit_open_until", "consecutive_failures"}),
    "listings.listing": frozenset({"channel_payload", "remote_snapshot", "last_pushed_hash"}),
}
SECRET_MARKERS = ("password", "secret", "token", "credential", "api_key", "private_key", "access_key", "signature")
MASK = "***"


@functools.lru_cache(maxsize=4096)
def is_secret_field(name: str) -> bool:
    lowered = name.lower()
    return any(marker in lowered for marker in SECRET_MARKERS)


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, Mapping):
        return {str(k): (MASK if is_secret_field(str(k)) else _json_value(v)) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_value(v) for v in value]
    if isinstance(value, bytes | memoryview):
        return MASK
    return str(value)


@functools.lru_cache(maxsize=256)
def audited_fields(model: type[models.Model]) -> list[models.Field]:
    ignored = IGNORED_FIELDS | MODEL_IGNORED_FIELDS.get(model._meta.label_lower, frozenset())
    return [
        f
        for f in model._meta.concrete_fields
        if f.name not in ignored and not f.primary_key and not isinstance(f, models.BinaryField)
    ]


def _quantize(value: decimal.Decimal, places: int | None) -> decimal.Decimal:
    if places is None or not value.is_finite():
        return value
    try:
        return value.quantize(decimal.Decimal(1).scaleb(-places))
    except decimal.InvalidOperation:
        return value


def snapshot(instance: models.Model, fields: list[models.Field] | None = None) -> dict[str, Any]:
    """The audited field values of `instance` (or of `fields` only), JSON-ready, secret fields masked."""
    values: dict[str, Any] = {}
    for field in audited_fields(type(instance)) if fields is None else fields:
        raw = getattr(instance, field.attname)
        if isinstance(field, models.DecimalField) and isinstance(raw, decimal.Decimal):
            raw = _quantize(raw, field.decimal_places)  # Decimal("0") in memory is "0.00" in the database
        values[field.name] = MASK if (is_secret_field(field.name) and raw not in (None, "")) else _json_value(raw)
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """[old, new] per changed field of two `snapshot() | raw_secrets()` dicts."""
    changes: dict[str, list[Any]] = {}
    for name, new in after.items():
        old = before.get(name)
        if old != new:
            changes[name] = [old, new]
        elif new == MASK and before.get(f"__raw_{name}") != after.get(f"__raw_{name}"):
            changes[name] = [MASK, MASK]  # a secret changed: say so without showing either value
    return {k: v for k, v in changes.items() if not k.startswith("__raw_")}


def raw_secrets(instance: models.Model, fields: list[models.Field] | None = None) -> dict[str, Any]:
    """Hashes of the secret fields' values, so `diff` can tell that a masked value changed."""
    return {
        f"__raw_{f.name}": hash(str(getattr(instance, f.attname)))
        for f in (audited_fields(type(instance)) if fields is None else fields)
        if is_secret_field(f.name)
    }


def saved_fields(model: type[models.Model], update_fields: Iterable[str] | None) -> list[models.Field] | None:
    """The audited fields a `save(update_fields=...)` writes; None for a full save (every audited field)."""
    if update_fields is None:
        return None
    names = set(update_fields)
    return [f for f in audited_fields(model) if f.name in names or f.attname in names]
