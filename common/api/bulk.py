"""Bulk endpoints: apply a list of items one savepoint each, under a reject-all or skip-failed policy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.http import Http404
from rest_framework import exceptions

from common.api.errors import as_api_exception, error_body
from common.errors import ApplicationError

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
