"""Shared REST API plumbing: the one error shape, the exception handler, service-backed serializers, pagination
and the schema class that documents every error status an endpoint can return.

Every error response of the API has this body (``ErrorSerializer``)::

    {"status": 400, "code": "invalid", "detail": "The request has invalid fields; see errors.",
     "errors": [{"field": "sku", "code": "invalid", "message": "SKU 'X' is already used by product #3."}]}

``errors`` is empty for errors that are not about fields. ``field`` is a dotted path into the request body
(``variants.0.sku``, ``items.3.price``) or null for errors about the request as a whole.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, ClassVar

import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from django.db.models import ProtectedError
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from common.errors import ApplicationError

# ApplicationError.extra["code"] values that have their own HTTP status; every other refusal is a 409.
APPLICATION_ERROR_STATUS = {"version_conflict": status.HTTP_409_CONFLICT, "not_found": status.HTTP_404_NOT_FOUND}
MAX_ID = 2**63 - 1  # largest id SQLite and PostgreSQL bigint hold; larger ids cannot exist and overflow lookups
MAX_PAGE_SIZE = 200  # 200 products with nested variants/images render in ~40 ms here; more is a bulk export

VALIDATION_MESSAGE = "The request has invalid fields; see errors."


# --- Error shape ---


class ErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True, help_text="Dotted path of the field, or null for the request.")
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. 'required', 'invalid', 'unique'.")
    message = serializers.CharField(help_text="Human-readable message, safe to show to a user.")


class ErrorSerializer(serializers.Serializer):
    """The body of every error response."""

    status = serializers.IntegerField(help_text="The HTTP status, repeated for clients that lose it.")
    code = serializers.CharField(help_text="Machine-readable error code, e.g. 'invalid', 'not_found'.")
    detail = serializers.CharField(help_text="Human-readable summary (the key DRF clients already read).")
    errors = ErrorItemSerializer(many=True)  # type: ignore[assignment]  # a field; DRF pops it from attrs


def _flatten(detail: Any, prefix: str | None) -> list[dict[str, Any]]:
    """Turn DRF's nested `get_full_details()` structure into a flat list of field errors."""
    if isinstance(detail, dict) and set(detail) == {"message", "code"}:
        return [{"field": prefix, "code": str(detail["code"]), "message": str(detail["message"])}]
    items: list[dict[str, Any]] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key == api_settings.NON_FIELD_ERRORS_KEY:
                items += _flatten(value, prefix)
            else:
                items += _flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(detail, list):
        nested = any(isinstance(v, dict) and set(v) != {"message", "code"} for v in detail)
        for index, value in enumerate(detail):
            if nested:
                items += _flatten(value, f"{prefix}.{index}" if prefix else str(index))
            else:
                items += _flatten(value, prefix)
    else:
        items.append({"field": prefix, "code": "invalid", "message": str(detail)})
    return items


def as_api_exception(exc: Exception) -> Exception:
    """Map Django and domain exceptions to DRF ones so that one handler formats them all."""
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(detail=serializers.as_serializer_error(exc))
    if isinstance(exc, ApplicationError):
        code = str(exc.extra.get("code", "refused"))
        error = exceptions.APIException(detail=exc.message, code=code)
        error.status_code = APPLICATION_ERROR_STATUS.get(code, status.HTTP_409_CONFLICT)
        error.extra = {k: v for k, v in exc.extra.items() if k != "code"}  # type: ignore[attr-defined]
        return error
    if isinstance(exc, ProtectedError):
        error = exceptions.APIException(
            detail=f"It is still used by {len(exc.protected_objects)} other record(s); remove those first.",
            code="protected",
        )
        error.status_code = status.HTTP_409_CONFLICT
        return error
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(detail=str(exc) or None)
    return exc


def error_body(exc: Exception, status_code: int) -> dict[str, Any]:
    """The documented error body for an API exception (also used per item by bulk endpoints).

    Extra facts a domain error carries (e.g. `current_version` of a version conflict) are added as keys.
    """
    return {**_error_body(exc, status_code), **getattr(exc, "extra", {})}


def _error_body(exc: Exception, status_code: int) -> dict[str, Any]:
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.get_full_details(), None)
        return {"status": status_code, "code": "invalid", "detail": VALIDATION_MESSAGE, "errors": errors}
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        return {"status": status_code, "code": code, "detail": str(exc.detail), "errors": []}
    return {"status": status_code, "code": "error", "detail": str(exc), "errors": []}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF exception handler: every error, whatever raised it, leaves in the `ErrorSerializer` shape."""
    exc = as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    response.data = error_body(exc, response.status_code)
    return response


def error_response(status_code: int, code: str, message: str) -> Response:
    """A Response in the error shape, for views that answer an error without raising."""
    return Response({"status": status_code, "code": code, "detail": message, "errors": []}, status=status_code)


@csrf_exempt
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """JSON 404 for any /api/ path that no route matches (Django's own 404 page is HTML)."""
    body = {"status": 404, "code": "not_found", "detail": f"No API endpoint at {request.path}.", "errors": []}
    return JsonResponse(body, status=404)


# --- Serializers ---


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


# --- Bulk ---

BULK_REJECT_ALL = "reject_all"
BULK_SKIP_FAILED = "skip_failed"
BULK_POLICY_CHOICES = [
    (BULK_REJECT_ALL, "Apply nothing if any item fails"),
    (BULK_SKIP_FAILED, "Apply the items that succeed"),
]
BULK_ITEM_STATUSES = ["created", "updated", "failed", "not_applied"]


def bulk_apply(
    items: list[Any], policy: str, apply_one: Callable[[Any], tuple[str, Any]]
) -> tuple[list[dict[str, Any]], list[Any]]:
    """Run `apply_one(item) -> (status, saved object)` per item, each in a savepoint, under an error policy.

    `reject_all` rolls every item back when one fails (their status becomes `not_applied`); `skip_failed` keeps
    the items that worked. A failed item carries its error in the API error shape. Errors that are not a
    client's fault (anything but validation, domain refusals, 404s) propagate and fail the request as a whole.
    Returns the per-item results and the saved objects (empty after a rejection).
    """
    results: list[dict[str, Any]] = []
    saved: list[Any] = []
    with transaction.atomic():
        for index, item in enumerate(items):
            try:
                with transaction.atomic():
                    verb, obj = apply_one(item)
            except (DjangoValidationError, ApplicationError, ProtectedError, Http404, exceptions.APIException) as exc:
                api_exc = as_api_exception(exc)
                code = getattr(api_exc, "status_code", 400)
                results.append({"index": index, "status": "failed", "id": None, "errors": [error_body(api_exc, code)]})
                continue
            saved.append(obj)
            results.append({"index": index, "status": verb, "id": obj.pk, "errors": []})
        if policy == BULK_REJECT_ALL and any(r["status"] == "failed" for r in results):
            transaction.set_rollback(True)
            for r in results:
                if r["status"] != "failed":
                    r["status"], r["id"] = "not_applied", None
            saved = []
    return results, saved


# --- Pagination ---


class ApiPagination(PageNumberPagination):
    """Page-number pagination; `page_size` up to MAX_PAGE_SIZE. A malformed `page_size` is a 400, not ignored."""

    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
        return parameters

    def get_page_number(self, request: Any, paginator: Any) -> Any:
        raw = request.query_params.getlist(self.page_query_param)
        if raw and (len(raw) > 1 or not raw[0].isdigit()) and raw[0] not in self.last_page_strings:
            raise exceptions.ValidationError({self.page_query_param: ["Give one page number, 1 or more."]})
        return super().get_page_number(request, paginator)

    def get_page_size(self, request: Any) -> int | None:
        raw = request.query_params.getlist(self.page_size_query_param)
        if raw and (len(raw) > 1 or not raw[0].isdigit() or not 1 <= int(raw[0]) <= self.max_page_size):
            raise exceptions.ValidationError(
                {self.page_size_query_param: [f"Give one whole number from 1 to {self.max_page_size}."]}
            )
        return super().get_page_size(request)


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


def _datetime_value_error(value: str) -> str | None:
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None  # the filter's own form field reports a malformed date-time
    offset = parsed.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        return "Use a time zone offset between -14:00 and +14:00."
    return None


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
