"""Capture of audited changes through pre_save/post_save/post_delete (house style allows signals for audit
only). Bulk writes that bypass signals (`bulk_create`, `update()`) call `audit_record_bulk` instead."""

import logging
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save

from accounts.audit.context import is_suspended
from accounts.audit.values import diff, raw_secrets, saved_fields, snapshot
from accounts.audit.writes import audit_record

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


def audit_base(instance: models.Model, current: models.Model) -> None:
    """Tell the next `instance.save(update_fields=...)` its row's values as just read (e.g. under a row lock),
    so the audit compares against `current` instead of reading the row once more. Used when it has every
    saved field loaded; otherwise the row is read as usual."""
    instance._audit_base = current  # type: ignore[attr-defined]


def _loaded(instance: models.Model, fields: list[models.Field]) -> bool:
    deferred = instance.get_deferred_fields()
    return not any(f.attname in deferred for f in fields)


def _pre_save(sender: type[models.Model], instance: models.Model, raw: bool = False, **kwargs: Any) -> None:
    if raw or is_suspended():
        return
    before: dict[str, Any] | None = None
    # A save(update_fields=...) can only change those fields: read and compare just them (a status move of a
    # listing no longer loads its JSON snapshots), and nothing at all when none of them is audited.
    fields = saved_fields(sender, kwargs.get("update_fields"))
    if instance.pk is not None and not instance._state.adding:
        base = getattr(instance, "_audit_base", None)
        instance._audit_base = None  # type: ignore[attr-defined]
        if fields == []:
            before = {}
        elif base is not None and fields is not None and _loaded(base, fields):
            before = {**snapshot(base, fields), **raw_secrets(base, fields)}
        else:
            rows = sender._default_manager.filter(pk=instance.pk)
            old = (rows.only(*[f.attname for f in fields]) if fields is not None else rows).first()
            if old is not None:
                before = {**snapshot(old, fields), **raw_secrets(old, fields)}
    instance._audit_before = before  # type: ignore[attr-defined]
    instance._audit_fields = fields  # type: ignore[attr-defined]


def _post_save(sender: type[models.Model], instance: models.Model, created: bool, raw: bool = False, **kw: Any) -> None:
    if raw or is_suspended():
        return
    before = getattr(instance, "_audit_before", None)
    if created or before is None:
        after = snapshot(instance)
        audit_record(instance, "create", {k: [None, v] for k, v in after.items() if v not in (None, "", [], {})})
    else:
        fields = getattr(instance, "_audit_fields", None)
        changes = diff(before, {**snapshot(instance, fields), **raw_secrets(instance, fields)})
        if changes:
            audit_record(instance, "update", changes)
    instance._audit_before = None  # type: ignore[attr-defined]


def _post_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if is_suspended():
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
