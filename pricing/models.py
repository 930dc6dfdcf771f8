"""Marketplace fees per channel (and optionally per category) that net margins are computed from
(docs/pricing.md#fees-and-margins). Column names follow issue 22 exactly."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from common.models import BaseModel

ZERO = Decimal("0")
PCT = [MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))]
MONEY = [MinValueValidator(ZERO)]


class ChannelFee(BaseModel):
    """What a channel charges per unit sold, in the channel's currency; a row with a category applies to that
    category's subtree and beats the channel's row without one.

    fees(P) = max(P × referral_pct, referral_min) + P × payment_pct + fixed_fee + fulfilment_fee.
    """

    channel = models.ForeignKey("channels.Channel", on_delete=models.CASCADE, related_name="fees")
    category = models.ForeignKey(
        "catalog.Category", null=True, blank=True, on_delete=models.CASCADE, related_name="channel_fees"
    )
    referral_pct = models.DecimalField(max_digits=5, decimal_places=2, default=ZERO, validators=PCT)
    referral_min = models.DecimalField(
        max_digits=10, decimal_places=2, default=ZERO, validators=MONEY, help_text="Minimum referral fee per unit."
    )
    payment_pct = models.DecimalField(max_digits=5, decimal_places=2, default=ZERO, validators=PCT)
    fixed_fee = models.DecimalField(max_digits=10, decimal_places=2, default=ZERO, validators=MONEY)
    fulfilment_fee = models.DecimalField(max_digits=10, decimal_places=2, default=ZERO, validators=MONEY)
    prices_include_tax = models.BooleanField(default=False)
    tax_rate = models.DecimalField(
        max_digits=5, decimal_places=2, default=ZERO, validators=PCT, help_text="Percent, e.g. 20 for 20 % VAT."
    )
    margin_floor_pct = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
        help_text="Empty: the runtime setting pricing.default_margin_floor (20 % unless changed).",
    )
    use_fee_estimates = models.BooleanField(
        default=False,
        help_text="Amazon only: each listing's fulfilment fee comes from its Product Fees estimate when it has one "
        "(Estimate fees on the fees page); the typed fulfilment fee applies to the others.",
    )

    class Meta:
        ordering = ["channel_id", "category_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel"],
                condition=Q(category__isnull=True),
                name="channelfee_one_default_per_channel",
                violation_error_message="This channel already has fees without a category.",
            ),
            models.UniqueConstraint(
                fields=["channel", "category"],
                condition=Q(category__isnull=False),
                name="channelfee_one_per_channel_category",
                violation_error_message="This channel already has fees for this category.",
            ),
            *(
                models.CheckConstraint(condition=Q(**{f"{name}__gte": 0}), name=f"channelfee_{name}_non_negative")
                for name in ("referral_pct", "referral_min", "payment_pct", "fixed_fee", "fulfilment_fee", "tax_rate")
            ),
            models.CheckConstraint(
                condition=Q(margin_floor_pct__isnull=True) | (Q(margin_floor_pct__gte=0) & Q(margin_floor_pct__lt=100)),
                name="channelfee_margin_floor_below_100",
                violation_error_message="margin_floor_pct must be at least 0 and below 100.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} fees" + (f" · {self.category}" if self.category_id else "")

    def clean(self) -> None:
        errors: dict[str, str] = {}
        for name in ("referral_pct", "payment_pct", "tax_rate"):
            value = getattr(self, name)
            if value is not None and not ZERO <= value <= 100:
                errors[name] = f"{name} must be between 0 and 100 (got {value})."
        for name in ("referral_min", "fixed_fee", "fulfilment_fee"):
            value = getattr(self, name)
            if value is not None and value < 0:
                errors[name] = f"{name} must not be negative (got {value})."
        floor = self.margin_floor_pct
        if floor is not None and not ZERO <= floor < 100:
            errors["margin_floor_pct"] = f"A margin floor must be at least 0 and below 100 % (got {floor})."
        if self.use_fee_estimates and self.channel_id and self.channel.marketplace != "amazon":
            errors["use_fee_estimates"] = "Fee estimates come from Amazon's Product Fees API: Amazon channels only."
        if errors:
            raise ValidationError(errors)


class FeeEstimate(models.Model):
    """What Amazon's Product Fees API (getMyFeesEstimates) said one listing would be charged per unit at `price`
    (docs/pricing.md#amazon-fee-estimates). The newest estimate per listing; `error` set means Amazon gave none
    (the fee parts are then empty). Amounts in `currency`, the channel's."""

    listing = models.OneToOneField("listings.Listing", on_delete=models.CASCADE, related_name="fee_estimate")
    price = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    fulfilled_by_amazon = models.BooleanField(default=False)
    total_fee = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    referral_fee = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    fulfilment_fee = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    closing_fee = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    other_fees = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    marketplace_time = models.CharField(max_length=40, blank=True, help_text="TimeOfFeesEstimation as Amazon wrote it.")
    error = models.CharField(max_length=500, blank=True)
    estimated_at = models.DateTimeField()

    class Meta:
        ordering = ["listing_id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="feeestimate_price_positive"),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__gte": 0}),
                    name=f"feeestimate_{name}_non_negative",
                )
                for name in ("total_fee", "referral_fee", "fulfilment_fee", "closing_fee", "other_fees")
            ),
            models.CheckConstraint(
                condition=(Q(error="") & Q(total_fee__isnull=False)) | (~Q(error="") & Q(total_fee__isnull=True)),
                name="feeestimate_total_or_error",
            ),
        ]

    def __str__(self) -> str:
        return f"fees of listing {self.listing_id} at {self.price} {self.currency}"


class ListingMargin(models.Model):
    """The stored net margin of one listing at its effective price (seed 003 `current_prices`' `net_margin`,
    `net_margin_pct`), so that lists sort and filter on it in SQL (docs/pricing.md#stored-margins).

    Written only by `pricing.services.listing_margins_refresh`, whenever a price, a cost, a fee row or a landed
    cost changes. Empty `net_margin`: no landed cost is known (counted as below the floor, as on the pages)."""

    listing = models.OneToOneField("listings.Listing", on_delete=models.CASCADE, related_name="margin")
    price = models.DecimalField(max_digits=12, decimal_places=2, help_text="Effective price the margin is at.")
    landed_cost = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    fees = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    net_margin = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    net_margin_pct = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True, db_index=True)
    floor_pct = models.DecimalField(max_digits=5, decimal_places=2)
    below_floor = models.BooleanField(db_index=True)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["listing_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(floor_pct__gte=0) & Q(floor_pct__lt=100), name="listingmargin_floor_below_100"
            ),
            models.CheckConstraint(
                condition=Q(net_margin__isnull=False) | (Q(net_margin_pct__isnull=True) & Q(below_floor=True)),
                name="listingmargin_unknown_is_below_floor",
                violation_error_message="A margin without a landed cost has no percentage and counts as below floor.",
            ),
            models.CheckConstraint(
                condition=Q(landed_cost__isnull=True) | Q(landed_cost__gte=0), name="listingmargin_landed_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"margin of listing {self.listing_id}: {self.net_margin_pct} %"


from .rule_models import AppliesTo, ListingPriceLimits, PriceChange, PriceRule, RuleType  # noqa: E402  (price rules)

__all__ = [
    "AppliesTo",
    "ChannelFee",
    "FeeEstimate",
    "ListingMargin",
    "ListingPriceLimits",
    "PriceChange",
    "PriceRule",
    "RuleType",
]
# Price history lives in its own module (docs/pricing.md#price-history); imported here so Django finds the models.
from .history_models import PriceHistory, PriceHistoryDaily  # noqa: E402, F401
