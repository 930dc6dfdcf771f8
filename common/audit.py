"""Audit trail: who changed what, field by field, for the registered models.

The *actor* is carried in a context variable: `AuditActorMiddleware` sets it to the request for web and API
calls (the user is resolved when the entry is written, so DRF token users count), and jobs, imports and syncs
wrap their work in `audit_actor(kind, label, user=None)`. Anything else is recorded as the system.

Capture uses pre_save/post_save/post_delete signals (house style allows signals for audit only). Bulk writes
that bypass signals (`bulk_create`, `update()`) call `audit_record_bulk`.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import decimal
import functools
import json
import logging
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models.fields.files import FieldFile
from django.db.models.signals import post_delete, post_save, pre_save

logger = logging.getLogger(__name__)

# Whole apps ("channels") or single models ("catalog.Product"). Missing apps/models are skipped silently, so
# branches that land later are picked up without touching this list.
AUDITED_MODELS: tuple[str, ...] = (
    "catalog.Category",
    "catalog.Product",
    "catalog.Variant",
    "catalog.ProductImage",
    "catalog.AttributeDefinition",
    "channels",
    "listings",
    "auth.User",
    "auth.Group",
)
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


def current_actor() -> AuditActor:
    return _actor.get() or _SYSTEM


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


_suspended: contextvars.ContextVar[bool] = contextvars.ContextVar("audit_suspended", default=False)


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


# --- value handling ---


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
def _audited_fields(model: type[models.Model]) -> list[models.Field]:
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
    for field in _audited_fields(type(instance)) if fields is None else fields:
        raw = getattr(instance, field.attname)
        if isinstance(field, models.DecimalField) and isinstance(raw, decimal.Decimal):
            raw = _quantize(raw, field.decimal_places)  # Decimal("0") in memory is "0.00" in the database
        values[field.name] = MASK if (is_secret_field(field.name) and raw not in (None, "")) else _json_value(raw)
    return values


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    for name, new in after.items():
        old = before.get(name)
        if old != new:
            changes[name] = [old, new]
        elif new == MASK and before.get(f"__raw_{name}") != after.get(f"__raw_{name}"):
            changes[name] = [MASK, MASK]  # a secret changed: say so without showing either value
    return {k: v for k, v in changes.items() if not k.startswith("__raw_")}


def _raw_secrets(instance: models.Model, fields: list[models.Field] | None = None) -> dict[str, Any]:
    return {
        f"__raw_{f.name}": hash(str(getattr(instance, f.attname)))
        for f in (_audited_fields(type(instance)) if fields is None else fields)
        if is_secret_field(f.name)
    }


def _saved_fields(model: type[models.Model], update_fields: Iterable[str] | None) -> list[models.Field] | None:
    """The audited fields a `save(update_fields=...)` writes; None for a full save (every audited field)."""
    if update_fields is None:
        return None
    names = set(update_fields)
    return [f for f in _audited_fields(model) if f.name in names or f.attname in names]


# --- writing entries ---


def audit_record(
    instance: models.Model, action: str, changes: dict[str, list[Any]], *, actor: AuditActor | None = None
) -> Any:
    """Write one AuditEntry for `instance` (used by the signal handlers and for hand-made entries)."""
    from django.contrib.contenttypes.models import ContentType

    from accounts.logging import request_id_var
    from accounts.models import AuditEntry

    kind, label, user = (actor or current_actor()).resolve()
    return AuditEntry.objects.create(
        actor=user,
        actor_kind=kind,
        actor_label=label[:200],
        content_type=ContentType.objects.get_for_model(type(instance), for_concrete_model=True),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        action=action,
        changes=changes,
        request_id=request_id_var.get() if request_id_var.get() != "-" else "",
    )


# Columns of a bulk-written audit entry, in the order both bulk writers bind them: who (4), what (4), when (2).
ENTRY_COLUMNS = (
    "actor_id", "actor_kind", "actor_label", "content_type_id",
    "object_id", "object_repr", "action", "changes",
    "request_id", "created_at",
)  # fmt: skip


def _entry_insert(model: type[models.Model], actor: AuditActor | None) -> tuple[str, list[Any], list[Any]]:
    """For the bulk writers: `INSERT INTO <audit table> (<ENTRY_COLUMNS>)` and the values every entry of one call
    shares, (who: actor id, kind, label, content type) and (when: request id, time)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from accounts.logging import request_id_var
    from accounts.models import AuditEntry

    kind, label, user = (actor or current_actor()).resolve()
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=True)
    created_at = AuditEntry._meta.get_field("created_at")
    qn = connection.ops.quote_name
    head = [user.pk if user is not None else None, kind, label[:200], content_type.pk]
    tail = [
        request_id_var.get() if request_id_var.get() != "-" else "",
        created_at.get_db_prep_save(created_at.get_default(), connection),
    ]
    return f"INSERT INTO {qn(AuditEntry._meta.db_table)} ({', '.join(qn(c) for c in ENTRY_COLUMNS)})", head, tail


def audit_record_bulk(
    model: type[models.Model],
    rows: Iterable[models.Model | tuple[models.Model, dict[str, list[Any]]]],
    action: str,
    *,
    actor: AuditActor | None = None,
) -> int:
    """Record many changes at once for writes that bypass signals (bulk_create, bulk_update, update()).

    `rows` holds saved instances (their full snapshot is recorded as the change for create/delete) or
    `(instance, changes)` pairs. Returns the number of entries written.
    """
    from django.db import connection

    from accounts.models import AuditEntry

    insert, shared_head, shared_tail = _entry_insert(model, actor)
    changes_field = AuditEntry._meta.get_field("changes")
    # Every entry shares who/when; only the object and its changes differ. One executemany of a prepared
    # single-row INSERT: bulk_create built a model instance per entry and, on SQLite, split the rows into
    # statements of 83 (999 parameters), which cost ~100 us an entry.
    params = []
    for row in rows:
        instance, changes = row if isinstance(row, tuple) else (row, None)
        if changes is None:
            values = snapshot(instance)
            changes = {k: [None, v] if action != "delete" else [v, None] for k, v in values.items()}
        params.append(
            [
                *shared_head,
                str(instance.pk),
                str(instance)[:200],
                action,
                changes_field.get_db_prep_save(changes, connection),
                *shared_tail,
            ]
        )
    if not params:
        return 0
    sql = f"{insert} VALUES ({', '.join(['%s'] * len(ENTRY_COLUMNS))})"
    with connection.cursor() as cursor:
        for start in range(0, len(params), AUDIT_INSERT_BATCH):
            cursor.executemany(sql, params[start : start + AUDIT_INSERT_BATCH])
    return len(params)


AUDIT_INSERT_BATCH = 2000  # entries per executemany (bounds the memory of one call, not the statements)


def audit_base(instance: models.Model, current: models.Model) -> None:
    """Tell the next `instance.save(update_fields=...)` its row's values as just read (e.g. under a row lock),
    so the audit compares against `current` instead of reading the row once more. Used when it has every
    saved field loaded; otherwise the row is read as usual."""
    instance._audit_base = current  # type: ignore[attr-defined]


def _loaded(instance: models.Model, fields: list[models.Field]) -> bool:
    deferred = instance.get_deferred_fields()
    return not any(f.attname in deferred for f in fields)


# --- signal handlers ---


def _pre_save(sender: type[models.Model], instance: models.Model, raw: bool = False, **kwargs: Any) -> None:
    if raw or _suspended.get():
        return
    before: dict[str, Any] | None = None
    # A save(update_fields=...) can only change those fields: read and compare just them (a status move of a
    # listing no longer loads its JSON snapshots), and nothing at all when none of them is audited.
    fields = _saved_fields(sender, kwargs.get("update_fields"))
    if instance.pk is not None and not instance._state.adding:
        base = getattr(instance, "_audit_base", None)
        instance._audit_base = None  # type: ignore[attr-defined]
        if fields == []:
            before = {}
        elif base is not None and fields is not None and _loaded(base, fields):
            before = {**snapshot(base, fields), **_raw_secrets(base, fields)}
        else:
            rows = sender._default_manager.filter(pk=instance.pk)
            old = (rows.only(*[f.attname for f in fields]) if fields is not None else rows).first()
            if old is not None:
                before = {**snapshot(old, fields), **_raw_secrets(old, fields)}
    instance._audit_before = before  # type: ignore[attr-defined]
    instance._audit_fields = fields  # type: ignore[attr-defined]


def _post_save(sender: type[models.Model], instance: models.Model, created: bool, raw: bool = False, **kw: Any) -> None:
    if raw or _suspended.get():
        return
    before = getattr(instance, "_audit_before", None)
    if created or before is None:
        after = snapshot(instance)
        audit_record(instance, "create", {k: [None, v] for k, v in after.items() if v not in (None, "", [], {})})
    else:
        fields = getattr(instance, "_audit_fields", None)
        changes = _diff(before, {**snapshot(instance, fields), **_raw_secrets(instance, fields)})
        if changes:
            audit_record(instance, "update", changes)
    instance._audit_before = None  # type: ignore[attr-defined]


def _post_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if _suspended.get():
        return
    before = snapshot(instance)
    audit_record(instance, "delete", {k: [v, None] for k, v in before.items() if v not in (None, "", [], {})})


def audited_models() -> list[type[models.Model]]:
    """Resolve AUDITED_MODELS against the installed apps, skipping anything absent."""
    found: list[type[models.Model]] = []
    for label in AUDITED_MODELS:
        try:
            if "." in label:
                found.append(apps.get_model(label))
            else:
                found.extend(m for m in apps.get_app_config(label).get_models() if not m._meta.proxy)
        except LookupError:
            logger.debug("audit: %s is not installed, skipped", label)
    return found


def connect_audit_signals() -> list[type[models.Model]]:
    """Hook the handlers to every audited model (idempotent through dispatch_uid). Called from AppConfig.ready."""
    models_ = audited_models()
    for model in models_:
        uid = f"audit-{model._meta.label_lower}"
        pre_save.connect(_pre_save, sender=model, dispatch_uid=f"{uid}-pre", weak=False)
        post_save.connect(_post_save, sender=model, dispatch_uid=f"{uid}-post", weak=False)
        post_delete.connect(_post_delete, sender=model, dispatch_uid=f"{uid}-del", weak=False)
    return models_


MAX_PK_RANGES = 20


def _sql_text(text: str) -> str:
    """A string literal for SQL run with parameters (quotes doubled, % doubled for the placeholder syntax)."""
    return "'" + text.replace("'", "''").replace("%", "%%") + "'"


def id_ranges(pks: Iterable[int], into: list[list[int]] | None = None) -> list[list[int]]:
    """`pks` as sorted [first, last] runs of consecutive ids, appended to `into` (merged with its last run)."""
    ranges = [] if into is None else into
    for pk in sorted(set(pks)):
        if ranges and ranges[-1][1] + 1 == pk:
            ranges[-1][1] = pk
        else:
            ranges.append([pk, pk])
    return ranges


def pk_ranges_sql(column: str, pks: list[int]) -> tuple[str, list[int]]:
    """A WHERE condition selecting `pks` from `column`: `BETWEEN` per run of consecutive ids when there are few.

    Rows inserted together get consecutive ids, so 1,000 new rows are usually one range: two parameters for
    the planner and the driver instead of an IN list of 1,000 (which psycopg's client-side binding quotes one
    value at a time, and which PostgreSQL may plan as a sequential scan while a new table has no statistics).
    """
    ranges = id_ranges(pks)
    if len(ranges) > MAX_PK_RANGES:
        ordered = sorted(set(pks))
        return f"{column} IN ({', '.join(['%s'] * len(ordered))})", ordered
    condition = " OR ".join(f"{column} BETWEEN %s AND %s" for _ in ranges)
    return f"({condition})", [bound for pair in ranges for bound in pair]


def audit_record_created_sql(
    model: type[models.Model],
    pks: list[int],
    fields: list[str],
    *,
    repr_sql: str,
    joins: str = "",
    actor: AuditActor | None = None,
) -> int:
    """Write a "create" entry for each row of `model` in `pks` with one INSERT ... SELECT in the database.

    For bulk inserts of many thousand rows (e.g. assigning 10,000 products to six channels), where building
    AuditEntry objects in Python costs ten times the insert being recorded. The changes are `fields` as
    `[null, value]` pairs, built by the database's JSON functions from the stored row (alias `t`); `repr_sql` is
    an SQL expression over `t` and `joins` for the entry's object_repr. Returns the number of entries written.
    """
    from django.db import connection

    if not pks:
        return 0
    insert, shared_head, shared_tail = _entry_insert(model, actor)

    def qn(name: Any) -> str:
        return str(connection.ops.quote_name(str(name)))

    fields_by_name = {f.name: f for f in model._meta.concrete_fields}
    postgres = connection.vendor == "postgresql"

    def value_sql(name: str) -> str:
        """The column as the Python snapshot records it: decimals as fixed-point text, JSON as JSON."""
        field = fields_by_name[name]
        column = f"t.{qn(field.column)}"
        if isinstance(field, models.DecimalField):
            if postgres:
                return f"CAST({column} AS TEXT)"  # numeric(p, s) prints its scale: 12.00
            return f"CASE WHEN {column} IS NULL THEN NULL ELSE printf('%%.{field.decimal_places}f', {column}) END"
        if isinstance(field, models.JSONField) and not postgres:
            return f"json({column})"  # SQLite keeps JSON as text; without json() it would nest as a string
        return column

    if postgres:
        # The JSON as text, cast to jsonb once: half the server time of jsonb_build_object(k, jsonb_build_array(
        # NULL, v), ...), with equal results (checked row by row on 10,000 products).
        pieces = []
        for i, name in enumerate(fields):
            key = ("{" if i == 0 else "],") + json.dumps(name) + ":[null,"
            pieces += [_sql_text(key), f"COALESCE(to_json({value_sql(name)})::text, 'null')"]
        changes_sql = "(" + " || ".join([*pieces, _sql_text("]}" if fields else "{}")]) + ")::jsonb"
    else:
        pairs = ", ".join(f"'{name}', json_array(NULL, {value_sql(name)})" for name in fields)
        changes_sql = f"json_object({pairs})"
    pk = f"t.{qn(model._meta.pk.column)}"
    where, where_params = pk_ranges_sql(pk, pks)
    sql = (
        f"{insert} SELECT %s, %s, %s, %s, CAST({pk} AS VARCHAR(64)), substr({repr_sql}, 1, 200), 'create', "
        f"{changes_sql}, %s, %s FROM {qn(model._meta.db_table)} t {joins} WHERE {where}"
    )
    params = [*shared_head, *shared_tail, *where_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)
