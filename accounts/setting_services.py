"""Changing runtime settings (docs/configuration.md#runtime-settings): one writer for the page, the API and the
admin. It types and checks the value, stores secrets encrypted, writes an audit entry (secrets masked) and bumps
the settings version so every process reloads."""

import json
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.audit import audit_record
from accounts.audit.context import AuditActor
from accounts.events import RUNTIME_SETTING_CHANGED
from accounts.models import RuntimeSetting, SettingsVersion
from accounts.runtime_settings import VERSION_NAME, runtime_settings_cache_clear
from accounts.setting_values import SPECS, SPECS_BY_KEY, value_display, value_parse, value_store, value_text
from common import events
from common.actors import Actor


def _version_bump() -> None:
    if not SettingsVersion.objects.filter(pk=VERSION_NAME).update(value=F("value") + 1):
        SettingsVersion.objects.create(name=VERSION_NAME, value=1)


def runtime_setting_validate(*, setting: RuntimeSetting, raw_value: Any) -> Any:
    """The value as stored for `raw_value`, or ValidationError({"value": ...}). None or "" means "back to the
    default" (refused for a required setting without one)."""
    if raw_value is None or raw_value == "":
        spec = SPECS_BY_KEY.get(setting.key)
        has_default = setting.default_value is not None or (spec is not None and (spec.env or spec.default is not None))
        if setting.is_required and not has_default:
            raise ValidationError({"value": f"{setting.key} is required."})
        return None
    try:
        value = value_parse(setting.data_type, raw_value)
    except ValidationError as exc:
        raise ValidationError({"value": f"{setting.key}: {' '.join(exc.messages)}"}) from None
    if "\\u0000" in json.dumps(value, default=str):
        raise ValidationError({"value": f"{setting.key}: must not contain NUL characters."})
    if setting.validation_regex and not re.fullmatch(setting.validation_regex, value_text(setting.data_type, value)):
        raise ValidationError({"value": f"{setting.key}: does not match the pattern {setting.validation_regex}."})
    spec = SPECS_BY_KEY.get(setting.key)
    if spec is not None and spec.check is not None:
        try:
            spec.check(value)
        except ValidationError as exc:
            raise ValidationError({"value": f"{setting.key}: {' '.join(exc.messages)}"}) from None
    return value_store(setting.data_type, value)


@transaction.atomic
def runtime_setting_set(*, key: str, raw_value: Any, user: Actor = None) -> RuntimeSetting:
    """Set one runtime setting (ValidationError naming `key` or `value` on bad input)."""
    setting = RuntimeSetting.objects.select_for_update().filter(key=key).first()
    if setting is None:
        raise ValidationError({"key": f"There is no runtime setting {key!r}."})
    stored = runtime_setting_validate(setting=setting, raw_value=raw_value)
    if stored == setting.value and setting.data_type != "secret":
        return setting
    before = value_display(setting.data_type, setting.value)
    setting.value = stored
    setting.updated_at = timezone.now()
    setting.updated_by = user if user is not None and user.is_authenticated else None
    setting.full_clean()
    setting.save()
    actor = AuditActor("user", user.get_username(), user) if setting.updated_by is not None else None
    audit_record(setting, "update", {"value": [before, value_display(setting.data_type, stored)]}, actor=actor)
    _version_bump()
    runtime_settings_cache_clear()
    transaction.on_commit(runtime_settings_cache_clear)
    events.publish(RUNTIME_SETTING_CHANGED, key=setting.key)
    return setting


def runtime_settings_seed(**_: Any) -> int:
    """Create the row of every known setting that has none (post_migrate: after the first migration wrote them,
    this adds keys new to the code and restores rows after a test database flush). Returns how many it made."""
    if RuntimeSetting._meta.db_table not in connection.introspection.table_names():
        return 0
    existing = set(RuntimeSetting.objects.values_list("key", flat=True))
    missing = [
        RuntimeSetting(
            key=spec.key,
            data_type=spec.data_type,
            category=spec.category,
            description=spec.description,
            is_required=spec.is_required,
            is_encrypted=spec.data_type == "secret",
            validation_regex=spec.validation_regex,
            default_value=None if spec.env else spec.default,
        )
        for spec in SPECS
        if spec.key not in existing
    ]
    RuntimeSetting.objects.bulk_create(missing, ignore_conflicts=True)
    if missing:
        runtime_settings_cache_clear()
    return len(missing)
