"""The API's filter backend: django-filter, with a 400 for a malformed filter value instead of ignoring it."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django.db import models
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions

from common.api.serializers import MAX_ID


def _is_integer_filter(filterset_class: Any, declared: Any) -> bool:
    """True when the filter's model field holds integers (ids, counts): the schema then says `integer`."""
    try:
        field = filterset_class._meta.model._meta.get_field(declared.field_name.split("__")[0])
    except Exception:  # noqa: BLE001 - method filters and unknown names are not integer-typed
        return False
    return isinstance(field, models.IntegerField | models.AutoField | models.ForeignKey)


def _filter_value_error(filterset_class: Any, declared: Any, values: list[str]) -> str | None:
    if len(values) > 1 and not isinstance(declared, django_filters.MultipleChoiceFilter):
        return "Give this filter once."
    if "" in values and not isinstance(declared, django_filters.CharFilter):
        return "Must not be empty; leave the parameter out to not filter."
    if isinstance(declared, django_filters.BooleanFilter) and values[0] not in ("true", "false"):
        return "Use true or false."
    if isinstance(declared, django_filters.NumberFilter):
        value = values[0]
        if _is_integer_filter(filterset_class, declared):
            if not value.lstrip("-").isdigit():
                return "Use a whole number."
            if abs(int(value)) > MAX_ID:
                return "No row has an id or count this large."
    if isinstance(declared, django_filters.IsoDateTimeFilter):
        return _datetime_value_error(values[0])
    return None


MAX_UTC_OFFSET = datetime.timedelta(hours=14)  # the widest offset in use (UTC+14); PostgreSQL refuses ±16 h and more


def utc_offset_error(parsed: datetime.datetime) -> str | None:
    """The message for a date-time whose offset PostgreSQL cannot store (Python accepts up to ±24 h)."""
    offset = parsed.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        return "Use a time zone offset between -14:00 and +14:00."
    return None


def _datetime_value_error(value: str) -> str | None:
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None  # the filter's own form field reports a malformed date-time
    return utc_offset_error(parsed)


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter, but a malformed filter value is a 400 instead of being silently ignored.

    Pages keep django-filter's lenient reading (an empty form field means "any"); API clients get told: a
    filter given twice, an empty non-text filter, a boolean that is not true/false, a non-integer id.
    """

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            errors: dict[str, list[str]] = {}
            for name, values in request.query_params.lists():
                declared = filterset_class.base_filters.get(name)
                if declared is None:
                    continue
                message = _filter_value_error(filterset_class, declared, values)
                if message:
                    errors[name] = [message]
            if errors:
                raise exceptions.ValidationError(errors)
        return super().filter_queryset(request, queryset, view)
