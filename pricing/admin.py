from typing import Any

from django.contrib import admin

from common.admin import ReadOnlyAdmin
from inventory.cost_admin import ServiceAdmin

from . import services
from .models import ChannelFee, FeeEstimate, ListingMargin, PriceHistory, PriceHistoryDaily


@admin.register(ChannelFee)
class ChannelFeeAdmin(ServiceAdmin):
    create, update, delete = services.channel_fee_create, services.channel_fee_update, services.channel_fee_delete
    instance_kwarg = "fee"
    service_fields = services.CHANNEL_FEE_FIELDS
    list_display = services.CHANNEL_FEE_FIELDS
    list_filter = ("channel", "prices_include_tax")
    list_select_related = ("channel", "category")


from . import rule_admin  # noqa: E402, F401  (price rules)

# --- Price history (read-only: points are written by pricing.history's services) ---


@admin.register(PriceHistory)
class PriceHistoryAdmin(ReadOnlyAdmin):
    list_display = ("time", "listing", "kind", "price", "source", "created_by")
    list_filter = ("kind", "source")
    search_fields = ("listing__id",)
    list_select_related = ("listing", "created_by")
    date_hierarchy = "time"


@admin.register(PriceHistoryDaily)
class PriceHistoryDailyAdmin(ReadOnlyAdmin):
    list_display = ("day", "listing", "kind", "min_price", "max_price", "close_price", "points")
    list_filter = ("kind",)
    list_select_related = ("listing",)


@admin.register(FeeEstimate)
class FeeEstimateAdmin(ReadOnlyAdmin):
    """Amazon's Product Fees answers, written by pricing.services.fee_estimates_refresh."""

    list_display = ("listing", "price", "currency", "total_fee", "fulfilment_fee", "error", "estimated_at")
    list_select_related = ("listing",)
    search_fields = ("listing__external_id",)


@admin.register(ListingMargin)
class ListingMarginAdmin(ReadOnlyAdmin):
    """Stored margins, written by pricing.services.listing_margins_refresh (docs/pricing.md#stored-margins)."""

    list_display = ("listing", "price", "landed_cost", "fees", "net_margin", "net_margin_pct", "floor_pct",
                    "below_floor", "computed_at")  # fmt: skip
    list_filter = ("below_floor", "listing__channel")
    list_select_related = ("listing",)
    search_fields = ("listing__id", "listing__product__sku")
    ordering = ("net_margin_pct",)
    actions = ["recompute"]

    @admin.action(description="Recompute the selected margins now")
    def recompute(self, request: Any, queryset: Any) -> None:
        count = services.listing_margins_refresh(listing_ids=list(queryset.values_list("listing_id", flat=True)))
        self.message_user(request, f"{count} margin(s) recomputed.")
