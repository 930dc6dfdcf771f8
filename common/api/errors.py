"""The API's one error shape and the exception handler that gives every error response that shape.

Every error response of the API has this body (``ErrorSerializer``)::

    {"status": 400, "code": "invalid", "detail": "The request has invalid fields; see errors.",
     "errors": [{"field": "sku", "code": "invalid", "message": "SKU 'X' is already used by product #3."}]}

``errors`` is empty for errors that are not about fields. ``field`` is a dotted path into the request body
(``variants.0.sku``, ``items.3.price``) or null for errors about the request as a whole.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from common.errors import ApplicationError

# ApplicationError.extra["code"] values that have their own HTTP status; every other refusal is a 409.
APPLICATION_ERROR_STATUS = {"version_conflict": status.HTTP_409_CONFLICT, "not_found": status.HTTP_404_NOT_FOUND}
VALIDATION_MESSAGE = "The request has invalid fields; see errors."


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
