"""Stock pages: all stock, low stock, oversold, one SKU's buckets and ledger with the manual adjustment form."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.dateparse import parse_datetime
from django.views.generic import ListView

from accounts.mixins import StaffReadMixin
from accounts.roles import can_edit
from common.errors import ApplicationError
from common.pagination import PagedListMixin
from common.views import error_text
from listings.exposure import stock_exposure

from .choices import Bucket
from .forms import StockAdjustForm, StockSettingsForm
from .models import Stock
from .selectors import stock_movements, stocks, stocks_low, stocks_oversold
from .services import stock_adjust, stock_settings_update

AREA = "catalog"


class StockListView(StaffReadMixin, PagedListMixin, ListView):
    paginate_by = 50
    template_name = "inventory/stock_list.html"
    context_object_name = "stocks"
    kind = "all"

    def get_queryset(self):
        if self.kind == "low":
            return stocks_low()
        if self.kind == "oversold":
            return stocks_oversold()
        queryset = stocks().order_by("sku")
        q = self.request.GET.get("q", "").strip()
        return queryset.filter(sku__icontains=q) if q else queryset

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        can_import = self.request.user.has_perms(("catalog.add_product", "catalog.change_product"))
        return super().get_context_data(
            kind=self.kind, q=self.request.GET.get("q", ""), can_import=can_import, **kwargs
        )


class StockDetailView(StaffReadMixin, PagedListMixin, ListView):
    """One SKU: its buckets (each links to the movements that make it), its ledger, the adjustment form."""

    required_area = AREA
    paginate_by = 100
    template_name = "inventory/stock_detail.html"
    context_object_name = "movements"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        self.stock = get_object_or_404(stocks(), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        bucket = self.request.GET.get("bucket", "")
        until = parse_datetime(self.request.GET.get("until", "") or "")
        return stock_movements(self.stock, bucket=bucket if bucket in Bucket.values else "", until=until)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            stock=self.stock,
            bucket=self.request.GET.get("bucket", ""),
            until=self.request.GET.get("until", ""),
            exposure=stock_exposure(
                product_id=self.stock.product_id, variant=self.stock.variant, available=self.stock.available
            ),
            can_edit=can_edit(self.request.user, AREA),
            adjust_form=kwargs.get("adjust_form") or StockAdjustForm(),
            settings_form=StockSettingsForm(
                initial={"safety": self.stock.safety, "low_stock_threshold": self.stock.low_stock_threshold}
            ),
        )
        return context

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        stock: Stock = self.stock
        try:
            if request.POST.get("action") == "settings":
                settings_form = StockSettingsForm(request.POST)
                if not settings_form.is_valid():
                    raise ApplicationError(" ".join(str(e) for errors in settings_form.errors.values() for e in errors))
                stock_settings_update(stock=stock, user=request.user, **settings_form.cleaned_data)
                messages.success(request, f"{stock.sku}: safety and threshold saved.")
                return redirect("inventory:stock_detail", pk=stock.pk)
            form = StockAdjustForm(request.POST)
            if not form.is_valid():
                self.object_list = self.get_queryset()
                messages.error(request, "Fix the adjustment: a whole number and a reason are required.")
                return self.render_to_response(self.get_context_data(adjust_form=form), status=400)
            movement = stock_adjust(stock=stock, user=request.user, **form.cleaned_data)
        except (ApplicationError, ValidationError) as exc:
            messages.error(request, error_text(exc))
            return redirect("inventory:stock_detail", pk=stock.pk)
        messages.success(request, f"{stock.sku}: on hand {movement.delta:+d} ({movement.note}).")
        return redirect("inventory:stock_detail", pk=stock.pk)
