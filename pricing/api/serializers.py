"""Serializers of channel fees (writes through pricing.services) and of a listing's costs (read-only)."""

from typing import Any

from rest_framework import serializers

from common.api.serializers import ServiceSerializerMixin
from pricing import services
from pricing.models import ChannelFee, ListingMargin


class ChannelFeeSerializer(ServiceSerializerMixin, serializers.ModelSerializer):
    create_service = services.channel_fee_create
    update_service = services.channel_fee_update
    instance_kwarg = "fee"

    class Meta:
        model = ChannelFee
        fields = ["id", *services.CHANNEL_FEE_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        validators: list = []


def money(**options: Any) -> serializers.DecimalField:
    """An amount as a JSON string with two decimals ("19.90"), as the other money fields of the API."""
    return serializers.DecimalField(max_digits=14, decimal_places=2, **options)


class BreakdownLineSerializer(serializers.Serializer):
    bom_line = serializers.IntegerField()
    level = serializers.CharField(help_text='"product" or "variant": where the line is defined.')
    component = serializers.IntegerField()
    component_name = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=14, decimal_places=4)
    unit_cost = serializers.DecimalField(max_digits=18, decimal_places=4, help_text="In the product's currency.")
    unit_source = serializers.CharField(help_text='"override", "preferred supplier" or "cheapest supplier".')
    price_row = serializers.IntegerField(allow_null=True, help_text="The component price used.")
    supplier = serializers.CharField()
    original = serializers.CharField(help_text="The unit cost as the price row states it.")
    import_duty_pct = serializers.DecimalField(max_digits=6, decimal_places=2)
    shipping_cost = serializers.DecimalField(max_digits=18, decimal_places=4)
    line_total = serializers.DecimalField(max_digits=18, decimal_places=4)


class BreakdownSerializer(serializers.Serializer):
    source = serializers.CharField(help_text='"bom", "cost_price" or "none".')  # type: ignore[assignment]
    currency = serializers.CharField(help_text="The product's currency.")
    landed_cost = money(allow_null=True)
    lines = BreakdownLineSerializer(many=True)
    subtotal = serializers.DecimalField(max_digits=18, decimal_places=4, allow_null=True)
    overhead_pct = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    conversion = serializers.CharField(help_text="Product currency → channel currency; empty when the same.")
    alerts = serializers.ListField(child=serializers.CharField())


class FeesSerializer(serializers.Serializer):
    referral = money()
    referral_min_applied = serializers.BooleanField()
    payment = money()
    fixed = money()
    fulfilment = money()
    total = money()
    channel_fee = serializers.IntegerField(allow_null=True, help_text="The fee row used; null: no fees set.")
    fulfilment_source = serializers.ChoiceField(
        choices=["channel_fee", "amazon_estimate"],
        help_text="Where the fulfilment fee came from: the fee row, or the listing's Amazon Product Fees estimate.",
    )
    estimated_at = serializers.DateTimeField(allow_null=True, help_text="When the Amazon estimate used was made.")


class ListingCostsSerializer(serializers.Serializer):
    listing = serializers.IntegerField()
    currency = serializers.CharField(help_text="The channel's currency: every amount below but the breakdown's.")
    price = money()
    net_price = money(allow_null=True, help_text="Price without tax.")
    landed_cost = money(allow_null=True)
    breakdown = BreakdownSerializer()
    fees = FeesSerializer(allow_null=True)
    net_margin = money(allow_null=True)
    net_margin_pct = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    margin_floor_pct = serializers.DecimalField(max_digits=6, decimal_places=2)
    below_floor = serializers.BooleanField(allow_null=True)
    problem = serializers.CharField(help_text="Why no margin could be computed; empty otherwise.")


def listing_costs_data(costs: Any) -> dict[str, Any]:
    """The plain values of a pricing.selectors.ListingCosts for ListingCostsSerializer."""
    landed, margin = costs.landed, costs.margin
    fees = None
    if margin is not None:
        fees = {
            **vars(margin.fees),
            "total": margin.fees.total,
            "channel_fee": costs.fee.pk if costs.fee else None,
            "fulfilment_source": "amazon_estimate" if costs.estimate is not None else "channel_fee",
            "estimated_at": costs.estimate.estimated_at if costs.estimate is not None else None,
        }
    return {
        "listing": costs.listing.pk,
        "currency": costs.currency,
        "price": costs.price.value,
        "net_price": margin.net_price if margin else None,
        "landed_cost": costs.landed_cost,
        "breakdown": {
            "source": landed.source,
            "currency": landed.currency,
            "landed_cost": landed.landed_cost,
            "lines": [vars(line) for line in landed.lines],
            "subtotal": landed.subtotal,
            "overhead_pct": landed.overhead_pct,
            "conversion": costs.conversion,
            "alerts": list(landed.alerts),
        },
        "fees": fees,
        "net_margin": margin.net_margin if margin else None,
        "net_margin_pct": margin.net_margin_pct if margin else None,
        "margin_floor_pct": margin.floor_pct if margin else costs.floor_pct,
        "below_floor": margin.below_floor if margin else None,
        "problem": costs.problem,
    }


class FeeEstimateRunSerializer(serializers.Serializer):
    fulfilled_by_amazon = serializers.BooleanField(
        default=False, help_text="Estimate as Amazon-fulfilled (FBA fees included)."
    )


class FeeEstimateResultSerializer(serializers.Serializer):
    estimated = serializers.IntegerField(help_text="Listings Amazon gave an estimate for.")
    refused = serializers.IntegerField(help_text="Listings Amazon gave none for (the reason is kept per listing).")
    skipped = serializers.IntegerField(help_text="Listings without a price, or beyond the run's cap.")


class ListingMarginSerializer(serializers.ModelSerializer):
    """A listing's stored net margin (seed 003's `net_margin`, `net_margin_pct`), kept by the pricing services."""

    channel = serializers.IntegerField(source="listing.channel_id", read_only=True)

    class Meta:
        model = ListingMargin
        fields = ["listing", "channel", "price", "landed_cost", "fees", "net_margin", "net_margin_pct",
                  "floor_pct", "below_floor", "computed_at"]  # fmt: skip
        read_only_fields = fields


class ListingMarginRefreshSerializer(serializers.Serializer):
    listings = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        min_length=1,
        max_length=5000,
        help_text="Listing ids.",
    )


class ListingMarginRefreshResultSerializer(serializers.Serializer):
    refreshed = serializers.IntegerField(help_text="Stored margins written (listings without a price have none).")
