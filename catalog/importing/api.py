"""Imports API: upload a spreadsheet -> batch with preview counts (dry run in the background) -> confirm ->
rollback; the failed rows as a workbook. The same services as the import pages (views.py)."""

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from ..models import ImportBatch, ImportErrorPolicy
from . import services, workbooks

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportBatchSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "original_filename",
            "file_format",
            "file_size",
            "sheet_name",
            "on_error",
            "status",
            "message",
            "total_rows",
            "processed_rows",
            "created_count",
            "updated_count",
            "unchanged_count",
            "error_count",
            "unknown_columns",
            "first_errors",
            "sample_diffs",
            "undo_report",
            "created_at",
            "started_at",
            "finished_at",
            "committed_at",
        ]
        read_only_fields = fields


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="XLSX, XLS, ODS or CSV; size and unpacked-size limits apply.")
    # Required: a multipart body cannot tell an omitted optional field from an empty one, and the policy matters.
    on_error = serializers.ChoiceField(choices=ImportErrorPolicy.choices, help_text="skip-rows or reject-all.")
    sheet = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=120,
        help_text="Name of the sheet to import; omitted or blank: the first sheet. An unknown name refuses the batch "
        "(its message lists the sheets).",
    )


class ImportBatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Spreadsheet imports. Upload answers 201 with the batch; its dry run fills the preview counts in the
    background (poll the batch). `confirm` queues the commit; `rollback` undoes a committed batch."""

    queryset = ImportBatch.objects.order_by("-created_at", "-id")
    serializer_class = ImportBatchSerializer
    required_role_area = "imports"
    filter_backends: list[Any] = []
    parser_classes = [MultiPartParser, JSONParser]

    @extend_schema(request={"multipart/form-data": ImportUploadSerializer}, responses={201: ImportBatchSerializer})
    def create(self, request: Request) -> Response:
        data: Any = request.data  # a QueryDict for multipart
        repeated = [key for key in data if hasattr(data, "getlist") and len(data.getlist(key)) > 1]
        if repeated:
            raise exceptions.ValidationError({key: ["Give this field once."] for key in repeated})
        body = ImportUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        batch = services.import_batch_create(
            upload=upload,
            filename=upload.name,
            on_error=body.validated_data["on_error"],
            sheet_name=body.validated_data.get("sheet", ""),
            user=request.user,
        )
        return Response(self.get_serializer(batch).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={202: ImportBatchSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: Any = None) -> Response:
        """Accept the preview and queue the commit (409 if not validated, or nothing to import)."""
        batch = services.import_batch_confirm(batch=self.get_object(), user=request.user)
        return Response(self.get_serializer(batch).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: ImportBatchSerializer})
    @action(detail=True, methods=["post"])
    def rollback(self, request: Request, pk: Any = None) -> Response:
        """Queue the undo of a committed batch (status "undoing", progress in `undo_report` done/total; poll the
        batch until "undone"). Rows changed by someone since are left alone and listed in `undo_report`."""
        batch = services.import_batch_undo_request(batch=self.get_object(), user=request.user)
        return Response(self.get_serializer(batch).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={(200, XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="Failed rows.")})
    @action(detail=True, methods=["get"], url_path="errors")
    def errors(self, request: Request, pk: Any = None) -> HttpResponse:
        """The failed rows with their messages, as an XLSX workbook to fix and upload again."""
        batch = self.get_object()
        response = HttpResponse(workbooks.error_workbook(batch), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-errors.xlsx"'
        return response
