"""Staff pages of the spreadsheet import flow: upload -> preview -> confirm -> progress -> summary -> undo."""

from collections.abc import Iterator
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, HttpResponse, HttpResponseBase, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views import View
from django.views.generic import DetailView, FormView

from accounts.mixins import StaffReadMixin
from accounts.roles import channel_scoped
from channels.models import Channel
from common.errors import ApplicationError
from listings.filters import ListingFilterSet
from listings.models import Listing

from ..filters import ProductFilterSet
from ..models import ImportBatch, ImportErrorPolicy, ImportRow, Product
from . import services, workbooks
from .engine import FIRST_ERRORS_KEPT
from .images import import_image_errors

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportPermissionMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = ("catalog.add_product", "catalog.change_product")


class ImportUploadForm(forms.Form):
    file = forms.FileField(help_text="An .xlsx, .csv (UTF-8, ; or ,) or .ods file.")
    on_error = forms.ChoiceField(
        label="If some rows have errors",
        choices=ImportErrorPolicy.choices,
        initial=ImportErrorPolicy.SKIP_ROWS,
        widget=forms.RadioSelect,
    )
    sheet_name = forms.CharField(required=False, max_length=120, help_text="Leave blank for the first sheet.")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            limit = settings.IMPORT_MAX_BYTES / 1024 / 1024
            raise ValidationError(f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is {limit:.1f} MB.")
        return upload


class ImportUploadView(ImportPermissionMixin, FormView):
    template_name = "imports/importbatch_upload.html"
    form_class = ImportUploadForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["recent"] = ImportBatch.objects.select_related("created_by")[:15]
        context["max_mb"] = settings.IMPORT_MAX_BYTES // 1024 // 1024
        context["max_rows"] = settings.IMPORT_MAX_ROWS
        return context

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            batch = services.import_batch_create(
                upload=upload,
                filename=upload.name,
                on_error=form.cleaned_data["on_error"],
                sheet_name=form.cleaned_data["sheet_name"],
                user=self.request.user,
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        if batch.status == "refused":
            form.add_error("file", batch.message)
            return self.form_invalid(form)
        return redirect("imports:batch_detail", pk=batch.pk)


class ImportBatchDetailView(ImportPermissionMixin, DetailView):
    model = ImportBatch
    template_name = "imports/importbatch_detail.html"
    context_object_name = "batch"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        batch = self.object
        context["can_confirm"] = (
            batch.status == "validated"
            and not (batch.on_error == ImportErrorPolicy.REJECT_ALL and batch.error_count)
            and batch.created_count + batch.updated_count > 0
        )
        image_errors = import_image_errors(batch=batch, limit=FIRST_ERRORS_KEPT + 1)
        context["image_errors"], context["image_errors_more"] = (
            image_errors[:FIRST_ERRORS_KEPT],
            len(image_errors) > FIRST_ERRORS_KEPT,
        )
        context["has_error_rows"] = (
            bool(context["image_errors"]) or batch.rows.filter(kind=ImportRow.Kind.ERROR).exists()
        )
        context["price_warnings"] = [d for d in batch.sample_diffs if d.get("warning")]  # engine._warn_price_moves
        return context


class ImportBatchStatusView(ImportPermissionMixin, View):
    """JSON polled by static/js/imports.js while a dry run or commit runs."""

    def get(self, request, pk):
        batch = get_object_or_404(ImportBatch, pk=pk)
        return JsonResponse(
            {
                "status": batch.status,
                "status_display": batch.get_status_display(),
                "is_running": batch.is_running,
                "percent": batch.progress_percent,
                "processed": batch.progress_done,
                "total": batch.progress_total,
                "rows_per_second": round(batch.progress_rate),
                "created": batch.created_count,
                "updated": batch.updated_count,
                "unchanged": batch.unchanged_count,
                "errors": batch.error_count,
                "message": batch.message,
            }
        )


class _BatchActionView(ImportPermissionMixin, View):
    success_message = ""

    def act(self, batch):
        raise NotImplementedError

    def post(self, request, pk):
        batch = get_object_or_404(ImportBatch, pk=pk)
        try:
            batch = self.act(batch)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, self.success_message or batch.message)
        return redirect("imports:batch_detail", pk=batch.pk)


class ImportBatchConfirmView(_BatchActionView):
    success_message = "Import started; progress is shown below."

    def act(self, batch):
        return services.import_batch_confirm(batch=batch, user=self.request.user)


class ImportBatchUndoView(_BatchActionView):
    success_message = "Undo started; progress is shown below."

    def act(self, batch):
        return services.import_batch_undo_request(batch=batch, user=self.request.user)


class ImportBatchErrorsView(ImportPermissionMixin, View):
    def get(self, request, pk):
        batch = get_object_or_404(ImportBatch, pk=pk)
        response = HttpResponse(workbooks.error_workbook(batch), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-errors.xlsx"'
        return response


class ImportTemplateView(LoginRequiredMixin, View):
    def get(self, request):
        response = HttpResponse(workbooks.template_workbook(), content_type=XLSX_TYPE)
        response["Content-Disposition"] = 'attachment; filename="products-template.xlsx"'
        return response


def filtered(filterset_class: Any, request: Any, queryset: QuerySet[Any]) -> tuple[QuerySet[Any] | None, str]:
    """The list page's own FilterSet over the query string (choices scoped to the user's channels, as on the
    page), sorted like the page; (None, errors) when a filter is bad."""
    filterset = filterset_class(request.GET, queryset=queryset, request=request)
    if not filterset.is_valid():
        problems = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in filterset.errors.items())
        return None, problems
    return filterset.qs, ""


def export_response(kind: str, rows: Iterator[list[Any]], name: str, sheet_title: str) -> HttpResponseBase:
    """A download of `rows` as CSV (streamed) or XLSX (written row by row to a temporary file), formula cells
    neutralised. Shared by the staff export links and the API's `export` actions."""
    filename = f"{name}-{timezone.now().strftime('%Y%m%d-%H%M')}.{kind}"
    if kind == "csv":
        response = StreamingHttpResponse(workbooks.export_csv(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return FileResponse(
        workbooks.export_xlsx_file(rows, sheet_title=sheet_title),
        as_attachment=True,
        filename=filename,
        content_type=XLSX_TYPE,
    )


class _ExportView(View):
    """Stream rows as CSV or XLSX (`?format=`), filtered and sorted like the list page (same query string)."""

    name = ""
    sheet_title = ""

    def rows(self, queryset: QuerySet[Any]) -> Iterator[list[Any]]:
        raise NotImplementedError

    def queryset(self, request: Any) -> tuple[QuerySet[Any] | None, str]:
        raise NotImplementedError

    def get(self, request):
        kind = request.GET.get("format", "xlsx")
        if kind not in ("csv", "xlsx"):
            return HttpResponse("Unknown export format; use format=csv or format=xlsx.", status=400)
        queryset, problems = self.queryset(request)
        if queryset is None:
            return HttpResponse(f"Invalid filter: {problems}", status=400, content_type="text/plain; charset=utf-8")
        return export_response(kind, self.rows(queryset), self.filename_base(request.GET), self.sheet_title)

    def filename_base(self, params: Any) -> str:
        return self.name


class ProductExportView(LoginRequiredMixin, PermissionRequiredMixin, _ExportView):
    """Products (and their variants), filtered and sorted like the product list."""

    permission_required = "catalog.view_product"
    name, sheet_title = "products", "Products"

    def queryset(self, request):
        return filtered(ProductFilterSet, request, Product.objects.all())

    def rows(self, queryset):
        return workbooks.export_rows(queryset)


class ListingExportView(StaffReadMixin, _ExportView):
    """Listings (of one channel with `?channel=ID`), filtered and sorted like the listing list, which any role
    may read; a user limited to some channels gets only theirs."""

    name, sheet_title = "listings", "Listings"

    def queryset(self, request):
        return filtered(ListingFilterSet, request, channel_scoped(Listing.objects.all(), request.user))

    def rows(self, queryset):
        return workbooks.listing_export_rows(queryset)

    def filename_base(self, params):
        channel = Channel.objects.filter(pk=params.get("channel") or 0).values_list("name", flat=True).first()
        return f"listings-{slugify(channel)}" if channel else "listings"


def batch_url(batch: ImportBatch) -> str:
    return reverse("imports:batch_detail", kwargs={"pk": batch.pk})
