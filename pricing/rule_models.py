"""Price rules (seed 003's columns), per-listing price limits and the record of each rule-applied price
(docs/pricing.md#price-rules). The engine is pricing/rules.py; writes go through pricing/rule_services.py."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from common.models import BaseModel

from .rule_config import rule_errors

ZERO = Decimal("0")


class AppliesTo(models.TextChoices):
    ALL = "all", "All listings"
    CHANNEL = "channel", "A channel (id or name)"
    CATEGORY = "category", "A category and below (id or name)"
    TAG = "tag", "A tag (product brand or attribute 'tags')"
    LISTING = "listing", "One listing (id)"


class RuleType(models.TextChoices):
    MARGIN_FLOOR = "margin_floor", "Margin floor"
    COMPETITOR_MATCH = "competitor_match", "Match the lowest competitor"
    COMPETITOR_BEAT = "competitor_beat", "Beat the lowest competitor"
    TIME_BASED = "time_based", "Time-based"
    INVENTORY_BASED = "inventory_based", "Inventory-based"


class PriceRule(BaseModel):
    """A prioritised rule that proposes a price; guards (pricing/rules.py) always run after it."""

    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, default="")
    applies_to = models.CharField(max_length=20, choices=AppliesTo.choices, default=AppliesTo.ALL)
    scope_value = models.CharField(max_length=255, blank=True, default="", help_text="Empty for 'all'.")
    rule_type = models.CharField(max_length=30, choices=RuleType.choices)
    config = models.JSONField(default=dict, blank=True, help_text="Per type: see docs/pricing.md#price-rules.")
    priority = models.IntegerField(default=100, help_text="Higher wins; ties: the lower id.")
    is_active = models.BooleanField(default=True)
    auto = models.BooleanField(default=False, help_text="Apply on new competitor observations without a person.")

    class Meta:
        ordering = ["-priority", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        for key, message in rule_errors(self.applies_to, self.scope_value, self.rule_type, self.config).items():
            field, _, sub = key.partition(".")
            errors.setdefault(field, []).append(f"{key}: {message}" if sub else message)
        if errors:
            raise ValidationError(errors)


class ListingPriceLimits(BaseModel):
    """User-set bounds of one listing (seed 003 current_prices: min_price, max_price, margin_floor_pct) and the
    oscillation freeze."""

    listing = models.OneToOneField("listings.Listing", on_delete=models.CASCADE, related_name="price_limits")
    min_price = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal("0.01"))]
    )
    max_price = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal("0.01"))]
    )
    margin_floor_pct = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, help_text="Empty: the rule's, else the channel's."
    )
    frozen_until = models.DateTimeField(null=True, blank=True)
    freeze_reason = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        verbose_name_plural = "listing price limits"
        constraints = [
            models.CheckConstraint(
                condition=Q(min_price__isnull=True)
                | Q(max_price__isnull=True)
                | Q(min_price__lte=models.F("max_price")),
                name="listingpricelimits_min_not_above_max",
                violation_error_message="min_price must not be above max_price.",
            ),
            models.CheckConstraint(
                condition=Q(margin_floor_pct__isnull=True) | (Q(margin_floor_pct__gte=0) & Q(margin_floor_pct__lt=100)),
                name="listingpricelimits_floor_below_100",
                violation_error_message="margin_floor_pct must be at least 0 and below 100.",
            ),
        ]

    def __str__(self) -> str:
        return f"Limits of listing {self.listing_id}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.min_price is not None and self.max_price is not None and self.min_price > self.max_price:
            errors["min_price"] = f"min_price {self.min_price} is above max_price {self.max_price}."
        floor = self.margin_floor_pct
        if floor is not None and not ZERO <= floor < 100:
            errors["margin_floor_pct"] = f"A margin floor must be at least 0 and below 100 % (got {floor})."
        if errors:
            raise ValidationError(errors)


class PriceChange(BaseModel):
    """One price a rule run applied: the rule, its inputs, the formula and the guards that clipped it
    (`record`); the price history (docs/pricing.md) reads these as source "rule"."""

    listing = models.ForeignKey("listings.Listing", on_delete=models.CASCADE, related_name="rule_price_changes")
    rule = models.ForeignKey(PriceRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes")
    old_price = models.DecimalField(max_digits=12, decimal_places=2)
    new_price = models.DecimalField(max_digits=12, decimal_places=2)
    clipping_guard = models.CharField(max_length=40, blank=True, default="", help_text="The last guard that moved it.")
    record = models.JSONField(default=dict, help_text="rule, inputs, formula, guards.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["listing", "created_at"], name="pricechange_listing_time_idx")]

    def __str__(self) -> str:
        return f"{self.listing_id}: {self.old_price} → {self.new_price}"
