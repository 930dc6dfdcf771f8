"""Page-number pagination of the API's list endpoints."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination

MAX_PAGE_SIZE = 200  # 200 products with nested variants/images render in ~40 ms here; more is a bulk export


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
