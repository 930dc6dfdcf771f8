"""Order and customer pages: lists with filters, order detail (lines, stock movements, raw payload), linking."""

import json
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import DetailView, ListView

from accounts.mixins import StaffReadMixin, StaffWriteMixin
from accounts.roles import can_edit
from common.errors import ApplicationError
from common.pagination import PagedListMixin

from .filters import CustomerFilterSet, OrderFilterSet
from .models import OrderLine
from .selectors import customers_visible, order_movements, orders_visible, segment_rule_text
from .services import order_line_link

AREA = "catalog"  # linking a line to a variant moves stock, a catalog edit right


class OrderListView(StaffReadMixin, PagedListMixin, ListView):
    paginate_by = 50
    template_name = "orders/order_list.html"
    context_object_name = "orders"

    def get_queryset(self):
        self.filterset = OrderFilterSet(
            self.request.GET or None, queryset=orders_visible(self.request.user), request=self.request
        )
        return self.filterset.qs.order_by("-placed_at", "-id")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(filter=self.filterset, **kwargs)


class OrderDetailView(StaffReadMixin, DetailView):
    template_name = "orders/order_detail.html"
    context_object_name = "order"

    def get_queryset(self):
        return orders_visible(self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        order = self.object
        return super().get_context_data(
            lines=order.lines.select_related("stock", "variant"),
            movements=order_movements(order),
            raw_json=json.dumps(order.raw_payload, indent=2, sort_keys=True, default=str),
            can_edit=can_edit(self.request.user, AREA),
            **kwargs,
        )


class OrderLineRedirectView(StaffReadMixin, View):
    """A stock movement's source (an order line) opens its order."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        line = get_object_or_404(OrderLine.objects.filter(order__in=orders_visible(request.user)), pk=pk)
        return redirect("orders:order_detail", pk=line.order_id)


class OrderLineLinkView(StaffWriteMixin, View):
    required_area = AREA

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        line = get_object_or_404(OrderLine.objects.filter(order__in=orders_visible(request.user)), pk=pk)
        try:
            order_line_link(line=line, sku=request.POST.get("sku", ""), user=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Line {line.external_line_id} linked; its stock now follows the order.")
        return redirect("orders:order_detail", pk=line.order_id)


class CustomerListView(StaffReadMixin, PagedListMixin, ListView):
    paginate_by = 50
    template_name = "orders/customer_list.html"
    context_object_name = "customers"

    def get_queryset(self):
        self.filterset = CustomerFilterSet(
            self.request.GET or None, queryset=customers_visible(self.request.user), request=self.request
        )
        return self.filterset.qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(filter=self.filterset, rule=segment_rule_text(), **kwargs)


class CustomerDetailView(StaffReadMixin, DetailView):
    template_name = "orders/customer_detail.html"
    context_object_name = "customer"

    def get_queryset(self):
        return customers_visible(self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            orders=self.object.orders.order_by("-placed_at")[:200], rule=segment_rule_text(), **kwargs
        )
