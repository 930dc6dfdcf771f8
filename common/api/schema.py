"""drf-spectacular schema class: documents every error status of every operation in the one error shape."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema

from common.api.errors import ErrorSerializer

ERROR_DESCRIPTIONS = {
    "400": "Invalid request: field errors are listed in `errors`.",
    "401": "No or invalid credentials.",
    "403": "Authenticated, but the role does not allow this.",
    "404": "Not found (or an invalid page number).",
    "406": "The Accept header asks for a format the API does not produce.",
    "409": "Refused by a business rule or because the data changed meanwhile.",
    "412": "If-Match does not match the current ETag.",
    "413": "The upload is too large.",
    "415": "Unsupported request Content-Type.",
    "429": "Too many requests; retry after the number of seconds in Retry-After.",
}


class ApiAutoSchema(AutoSchema):
    """drf-spectacular schema that lists every error status an operation can return, all in the error shape.

    Views may name extra statuses in `extra_error_statuses` (e.g. {"update": ["412"]}) when an action can
    return more than the defaults derived from the method and path.
    """

    def get_filter_backends(self) -> list[Any]:
        """Downloads (`export`) take the list's filters too, so document them there as well."""
        if getattr(self.view, "action", None) == "export":
            return list(getattr(self.view, "filter_backends", []))
        return list(super().get_filter_backends())

    def _error_statuses(self) -> set[str]:
        codes = {"401", "403", "406", "429"}
        method = self.method.upper()
        if "{" in self.path:
            codes.add("404")
        if self._is_list_view() and method == "GET":
            codes |= {"400", "404"}
        if self.get_filter_backends() and method == "GET":
            codes.add("400")
        if method in ("POST", "PUT", "PATCH"):
            codes |= {"400", "409", "415"}
        if method == "DELETE":
            codes.add("409")
        extra = getattr(self.view, "extra_error_statuses", {})
        action = getattr(self.view, "action", None)
        codes |= set(extra.get(action, ())) | set(extra.get("*", ()))
        return codes

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in sorted(self._error_statuses()):
            if code not in responses:
                body = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                body["description"] = ERROR_DESCRIPTIONS.get(code, "Error.")
                responses[code] = body
        return responses

    def _get_response_headers_for_code(self, status_code: str, direction: Any = "response") -> dict[str, Any]:
        headers = super()._get_response_headers_for_code(status_code, direction)
        if status_code == "429":
            headers["Retry-After"] = {"schema": {"type": "integer"}, "description": "Seconds to wait."}
        return headers
