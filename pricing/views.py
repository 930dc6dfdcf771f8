"""Pricing pages: the pricing table (landed cost, fees, price, net margin % against the floor) and channel fees
(docs/pricing.md#pages)."""

from typing import Any

from django.contrib import messages
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import ListView

from accounts.mixins import StaffReadMixin
from accounts.roles import can_edit, channel_scoped
from common.errors import ApplicationError
from common.pagination import PagedListMixin
from inventory.cost_views import ServiceFormView
from listings.models import Listing

from . import services
from .forms import ChannelFeeForm, PricingFilterForm
from .models import ChannelFee
from .selectors import channel_fee_list, default_margin_floor, listings_margins


def pricing_table_listings(listings: QuerySet[Listing], data: dict[str, Any]) -> QuerySet[Listing]:
    """Filter and sort listings on their stored margins (docs/pricing.md#stored-margins): SQL, whatever the count."""
    if data.get("channel"):
        listings = listings.filter(channel=data["channel"])
    if data.get("q"):
        listings = listings.filter(Q(product__sku__icontains=data["q"]) | Q(variant__sku__icontains=data["q"]))
    if data.get("below_floor"):  # no stored margin yet, or no landed cost: shown as unknown, counted below
        listings = listings.filter(Q(margin__below_floor=True) | Q(margin__isnull=True))
    if data.get("margin_min") is not None:
        listings = listings.filter(margin__net_margin_pct__gte=data["margin_min"])
    if data.get("margin_max") is not None:
        listings = listings.filter(margin__net_margin_pct__lte=data["margin_max"])
    if data.get("sort") == "margin":
        return listings.order_by(F("margin__net_margin_pct").asc(nulls_first=True), "-id")
    if data.get("sort") == "-margin":
        return listings.order_by(F("margin__net_margin_pct").desc(nulls_last=True), "-id")
    return listings.order_by("-id")


class PricingTableView(StaffReadMixin, View):
    """Listings with landed cost, fees, price and net margin % coloured against the floor; filtered ("below
    floor", a margin range) and sorted on the stored margins, the rows of a page computed live."""

    template_name = "pricing/pricing_table.html"
    per_page = 50

    def get(self, request: HttpRequest) -> HttpResponse:
        form = PricingFilterForm(request.GET or None)
        listings = channel_scoped(
            Listing.objects.select_related("product", "product__category", "variant", "channel"), request.user
        )
        filtered = form.is_valid() or not form.is_bound
        if filtered:
            listings = pricing_table_listings(listings, form.cleaned_data if form.is_bound else {})
        else:  # a bad filter is shown next to its field and nothing is listed
            listings = listings.none()
        try:
            page = max(int(request.GET.get("page", "1")), 1)
        except ValueError:
            page = 1
        start = (page - 1) * self.per_page
        rows = listings_margins(list(listings[start : start + self.per_page + 1]))
        context = {
            "form": form,
            "rows": rows[: self.per_page],
            "page": page,
            "has_next": len(rows) > self.per_page,
            "default_floor": default_margin_floor(),
            "query": request.GET.copy(),
        }
        return render(request, self.template_name, context)


class ChannelFeeListView(StaffReadMixin, PagedListMixin, ListView):
    paginate_by = 50
    template_name = "pricing/fee_list.html"
    context_object_name = "fees"

    def get_queryset(self):
        return channel_scoped(channel_fee_list(), self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            can_edit=can_edit(self.request.user, "channels"), default_floor=default_margin_floor(), **kwargs
        )


class ChannelFeeFormView(ServiceFormView):
    required_area = "channels"
    form_class = ChannelFeeForm
    model = ChannelFee
    create, update = services.channel_fee_create, services.channel_fee_update
    instance_kwarg = "fee"
    title = "Channel fees"

    def success_url(self, saved: Any) -> str:
        return reverse("pricing:fee_list")


class FeeEstimateRunView(StaffReadMixin, View):
    """POST: ask Amazon for the per-unit fees of one fee row's channel's published listings; back to the fee list
    with what came of it (docs/pricing.md#amazon-fee-estimates)."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        fee = get_object_or_404(channel_scoped(channel_fee_list(), request.user), pk=pk)
        if not can_edit(request.user, "channels"):
            messages.error(request, "Estimating fees needs the channel manager role.")
            return redirect("pricing:fee_list")
        try:
            run = services.fee_estimates_refresh(
                channel=fee.channel, fulfilled_by_amazon=request.POST.get("fulfilled_by_amazon") == "on"
            )
        except ApplicationError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                f"{fee.channel.name}: {run.estimated} listing(s) estimated by Amazon"
                + (f", {run.refused} refused (the reason is on each listing's costs)" if run.refused else "")
                + (f", {run.skipped} skipped (no price, or over the run's cap)" if run.skipped else "")
                + ".",
            )
        return redirect("pricing:fee_list")
