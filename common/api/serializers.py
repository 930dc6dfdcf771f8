"""Serializer building blocks: strict field types (the JSON types the schema documents, nothing looser) and the
mixin that makes a serializer write through services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.db import models
from rest_framework import exceptions, serializers

MAX_ID = 2**63 - 1  # largest id SQLite and PostgreSQL bigint hold; larger ids cannot exist and overflow lookups


class StrictBooleanField(serializers.BooleanField):
    """JSON true/false only: DRF's BooleanField also takes 0, 1, "yes", "on"..., which the schema does not say."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictIntegerField(serializers.IntegerField):
    """JSON integers only (no "5", no 5.0, no true)."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictDecimalField(serializers.DecimalField):
    """Money as a JSON string ("19.90"), as the schema documents; a float would lose cents."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictSlugField(serializers.SlugField):
    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictURLField(serializers.URLField):
    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(serializers.CharField):
    """JSON strings only (DRF's CharField turns 5 into "5")."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """Ids as JSON integers; an id no row can have is "does not exist" rather than a database overflow."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 0 < data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


STRICT_FIELD_MAPPING = {
    **serializers.ModelSerializer.serializer_field_mapping,
    models.BooleanField: StrictBooleanField,
    models.IntegerField: StrictIntegerField,
    models.PositiveIntegerField: StrictIntegerField,
    models.PositiveSmallIntegerField: StrictIntegerField,
    models.SmallIntegerField: StrictIntegerField,
    models.BigIntegerField: StrictIntegerField,
    models.DecimalField: StrictDecimalField,
    models.CharField: StrictCharField,
    models.TextField: StrictCharField,
    models.SlugField: StrictSlugField,
    models.URLField: StrictURLField,
}


class ServiceSerializerMixin:
    """A serializer that writes through services, never through `Model.objects.create` or `instance.save()`.

    Set `create_service` and/or `update_service` (plain functions taking keyword arguments) and
    `instance_kwarg`, the keyword under which the update service takes the instance. Services call
    `full_clean()`, so model invariants hold exactly as for the staff pages; their `ValidationError`s become
    field errors through the exception handler.
    """

    serializer_field_mapping: Any = STRICT_FIELD_MAPPING  # the types the schema documents, and nothing looser
    serializer_related_field: Any = StrictPrimaryKeyRelatedField
    create_service: ClassVar[Callable[..., Any] | None] = None
    update_service: ClassVar[Callable[..., Any] | None] = None
    instance_kwarg: ClassVar[str] = "instance"

    context: dict[str, Any]

    def _user(self) -> Any:
        request = self.context.get("request")
        return getattr(request, "user", None)

    def service_kwargs(self, validated_data: dict[str, Any]) -> dict[str, Any]:
        """Hook: adapt validated data to the service's keywords."""
        return validated_data

    def create(self, validated_data: dict[str, Any]) -> Any:
        service = type(self).create_service
        if service is None:
            raise exceptions.MethodNotAllowed("POST")
        return service(user=self._user(), **self.service_kwargs(validated_data))

    def update(self, instance: Any, validated_data: dict[str, Any]) -> Any:
        service = type(self).update_service
        if service is None:
            raise exceptions.MethodNotAllowed("PUT")
        kwargs = {self.instance_kwarg: instance, "user": self._user()}
        return service(**kwargs, **self.service_kwargs(validated_data))
