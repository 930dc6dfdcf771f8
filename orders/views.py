"""Order and customer pages: lists with filters, order detail (lines, stock movements, raw payload), linking."""

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import DetailView, ListView

from accounts.mixins import StaffReadMixin, StaffWriteMixin
from accounts.roles import can_edit, channel_scoped
from channels.models import Channel
from common.errors import ApplicationError
from common.pagination import PagedListMixin

from .filters import CustomerFilterSet, OrderFilterSet
from .models import OrderLine
from .selectors import customers_visible, order_movements, orders_visible, segment_rule_text
from .services import order_line_link
from .services.pull import channel_orders_pull
from .services.webhooks import POLLED_ONLY, WebhookRefused, order_webhook_accept, order_webhook_verify

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
        can_sync = can_edit(self.request.user, "sync")
        channels = channel_scoped(Channel.objects.filter(is_active=True), self.request.user, "pk") if can_sync else []
        return super().get_context_data(filter=self.filterset, can_sync=can_sync, pull_channels=channels, **kwargs)


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


# --- Pull orders now, webhooks (docs/orders.md#pulling, docs/orders.md#webhooks) ---


class OrderPullNowView(StaffWriteMixin, View):
    """ "Pull orders now" on the channel page and the orders page: an incremental order pull in the background."""

    required_area = "sync"
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        back = request.POST.get("next") or ""
        back = back if back.startswith("/") and not back.startswith("//") else reverse("orders:order_list")
        channel_id = request.POST.get("channel") or ""
        if not channel_id.isdigit():
            messages.error(request, "Choose a channel to pull orders from.")
            return redirect(back)
        channel = get_object_or_404(channel_scoped(Channel.objects.all(), request.user, "pk"), pk=int(channel_id))
        try:
            run = channel_orders_pull(channel=channel, user=request.user)
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, exc.message if isinstance(exc, ApplicationError) else "; ".join(exc.messages))
            return redirect(back)
        messages.success(request, f"Pulling the orders of {channel.name} (job orders-{run.pk}).")
        return redirect("operations:job_detail", public_id=f"orders-{run.pk}")


@method_decorator(csrf_exempt, name="dispatch")
class OrderWebhookView(View):
    """`POST /webhooks/<channel id>/<marketplace>/`: a marketplace's signed order push. No session, no CSRF: the
    signature is the authentication. 401 bad or missing signature, 400 unreadable body (nothing written either
    way), 404 unknown channel or a marketplace without pushes (Amazon), 202 accepted (a task reads the order)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, channel_id: int, marketplace: str) -> HttpResponse:
        if marketplace in POLLED_ONLY:
            return JsonResponse({"detail": POLLED_ONLY[marketplace]}, status=404)
        channel = Channel.objects.filter(pk=channel_id, marketplace=marketplace).first()
        if channel is None:
            return JsonResponse({"detail": f"No {marketplace} channel #{channel_id}."}, status=404)
        try:
            event = order_webhook_verify(
                channel=channel, raw_body=request.body, headers=request.headers, url=request.build_absolute_uri()
            )
        except WebhookRefused as exc:
            return JsonResponse({"detail": exc.message, "code": exc.code}, status=exc.status)
        order_webhook_accept(channel=channel, event=event)
        return JsonResponse({"accepted": True, "order_id": event.order_id}, status=202)
