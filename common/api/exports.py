"""Downloads served by the API (`export` actions of the product and listing viewsets): the renderers that let
`?format=csv|xlsx` through DRF's content negotiation, a 400 for an unknown format, and the decorator.

Kept out of `common.api`'s `__init__`: importing `rest_framework.decorators` there would import DRF's views while DRF
is still loading this package's throttle classes from its settings (a circular import at start-up).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer


class _DownloadRenderer(BaseRenderer):
    """Lets `?format=csv|xlsx` reach an export action (DRF picks a renderer by the `format` parameter); the action
    returns the file itself, so this only ever renders an error body, as JSON."""

    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return b"" if data is None else json.dumps(data).encode()


class CsvDownloadRenderer(_DownloadRenderer):
    media_type = "text/csv"
    format = "csv"


XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class XlsxDownloadRenderer(_DownloadRenderer):
    media_type = XLSX_MEDIA_TYPE
    format = "xlsx"


EXPORT_RENDERERS = [JSONRenderer, XlsxDownloadRenderer, CsvDownloadRenderer]


class ExportNegotiation(DefaultContentNegotiation):
    """An unknown `?format=` on a download is a 400 naming the choices (DRF's default answer is a bare 404)."""

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        wanted = request.query_params.get("format")
        if wanted is not None and wanted not in ("csv", "xlsx"):
            raise exceptions.ValidationError({"format": [f"Unknown file type '{wanted}'; use csv or xlsx."]})
        return super().select_renderer(request, renderers, format_suffix)


def export_action(func: Callable[..., Any]) -> Any:
    """Decorate a viewset method that serves a download: GET <list>/export/?format=xlsx|csv plus the list's
    filters, documented as a binary response of either type."""
    routed = action(
        detail=False,
        methods=["get"],
        renderer_classes=EXPORT_RENDERERS,
        content_negotiation_class=ExportNegotiation,
        pagination_class=None,
    )(func)
    binary = {(200, "text/csv"): OpenApiTypes.BINARY, (200, XLSX_MEDIA_TYPE): OpenApiTypes.BINARY}
    return extend_schema(parameters=[EXPORT_FORMAT], responses=binary)(routed)


EXPORT_FORMAT = OpenApiParameter(
    "format", OpenApiTypes.STR, enum=["xlsx", "csv"], description="File type of the download (default xlsx)."
)
