"""Staff pages of the spreadsheet import flow: upload -> preview -> confirm -> progress -> summary -> undo."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView, FormView

from common.errors import ApplicationError

from .importing import services, workbooks
from .models import ImportBatch, ImportErrorPolicy, ImportRow, Product

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
        context["has_error_rows"] = batch.rows.filter(kind=ImportRow.Kind.ERROR).exists()
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
                "processed": batch.processed_rows,
                "total": batch.total_rows,
                "rows_per_second": round(batch.rows_per_second),
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
    def act(self, batch):
        return services.import_batch_undo(batch=batch, user=self.request.user)


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


def filtered_products(params) -> QuerySet[Product]:
    """The product list page's own FilterSet (q, category incl. subcategories, brand, status)."""
    from .filters import ProductFilterSet

    filterset = ProductFilterSet(params, queryset=Product.objects.all())
    return filterset.qs if filterset.is_valid() else Product.objects.none()


class ProductExportView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Stream products (and their variants) as CSV or XLSX, filtered like the product list."""

    permission_required = "catalog.view_product"

    def get(self, request):
        kind = request.GET.get("format", "xlsx")
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        rows = workbooks.export_rows(filtered_products(request.GET))
        if kind == "csv":
            response = StreamingHttpResponse(workbooks.export_csv(rows), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="products-{stamp}.csv"'
            return response
        if kind != "xlsx":
            return HttpResponse("Unknown export format; use format=csv or format=xlsx.", status=400)
        return FileResponse(
            workbooks.export_xlsx_file(rows),
            as_attachment=True,
            filename=f"products-{stamp}.xlsx",
            content_type=XLSX_TYPE,
        )


def batch_url(batch: ImportBatch) -> str:
    return reverse("imports:batch_detail", kwargs={"pk": batch.pk})
