"""Tracked competitor items, what we observed of them over time, and the alerts their moves raise
(docs/competitors.md#data)."""

import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from common.models import BaseModel

from .choices import AlertSeverity, AlertStatus, AlertType, StockStatus, TrackingPriority

ASIN_RE = re.compile(r"[A-Z0-9]{10}")
ETSY_LISTING_RE = re.compile(r"\d{1,19}")
WATCHED_MARKETPLACES = ("amazon", "etsy")  # marketplaces whose API exposes other sellers' items


class Competitor(BaseModel):
    """Another seller's item we watch on one channel's marketplace: an Amazon ASIN (optionally one seller's
    offer on it) or an Etsy listing id; linked to the listings of ours it competes with.

    The `current_*`, `buy_box_*`, `rating` columns hold the latest observation; `threat_score`
    (0-100) is the sum of `threat_parts` (docs/competitors.md#threat-score).
    """

    channel = models.ForeignKey("channels.Channel", on_delete=models.PROTECT, related_name="competitors")
    marketplace = models.CharField(max_length=32, editable=False, help_text="The channel's marketplace.")
    item_id = models.CharField(max_length=32, help_text="Amazon ASIN or Etsy listing id.")
    seller_id = models.CharField(
        max_length=50, blank=True, help_text="Amazon: one seller's offer on the ASIN; empty: the whole item."
    )
    name = models.CharField(max_length=255, blank=True)
    title = models.TextField(blank=True)
    brand = models.CharField(max_length=255, blank=True)
    seller_name = models.CharField(max_length=255, blank=True)
    listings = models.ManyToManyField("listings.Listing", blank=True, related_name="competitors")
    tracking_priority = models.CharField(
        max_length=20, choices=TrackingPriority.choices, default=TrackingPriority.NORMAL
    )
    is_active = models.BooleanField(default=True, help_text="Observed by the schedule.")
    currency = models.CharField(max_length=3, blank=True)
    current_price = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Landed price (price + shipping); empty: no offer.",
    )
    current_bsr = models.PositiveIntegerField(null=True, blank=True, help_text="Sales rank.")
    review_count = models.PositiveIntegerField(null=True, blank=True)
    rating = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    buy_box_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    buy_box_seller = models.CharField(max_length=255, blank=True)
    threat_score = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    threat_parts = models.JSONField(default=dict, blank=True, help_text="The parts the threat score adds up.")
    last_synced_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, help_text="Why the last observation failed; empty when it worked.")

    class Meta:
        ordering = ["-threat_score", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "item_id", "seller_id"],
                name="competitor_unique_item_per_channel",
                violation_error_message="This item (and seller) is already tracked on this channel.",
            ),
            models.CheckConstraint(
                condition=Q(threat_score__gte=0) & Q(threat_score__lte=100),
                name="competitor_threat_score_0_100",
                violation_error_message="threat_score must be between 0 and 100.",
            ),
            models.CheckConstraint(
                condition=Q(current_price__isnull=True) | Q(current_price__gt=0),
                name="competitor_current_price_positive",
                violation_error_message="current_price must be above 0 (empty means no offer).",
            ),
        ]
        indexes = [models.Index(fields=["-threat_score"], name="competitor_threat_idx")]

    def __str__(self) -> str:
        label = self.name or self.title[:60] or self.item_id
        return f"{label} ({self.marketplace} {self.item_id}{' · ' + self.seller_id if self.seller_id else ''})"

    def clean(self) -> None:
        if self.channel_id:
            self.marketplace = self.channel.marketplace
        self.item_id = (self.item_id or "").strip()
        self.seller_id = (self.seller_id or "").strip()
        if self.marketplace and self.marketplace not in WATCHED_MARKETPLACES:
            raise ValidationError(
                {"channel": f"{self.marketplace} exposes no competitor items; use an Amazon or Etsy channel."}
            )
        if self.marketplace == "amazon":
            self.item_id = self.item_id.upper()
            if not ASIN_RE.fullmatch(self.item_id):
                raise ValidationError({"item_id": f"An ASIN is 10 letters or digits (got {self.item_id!r})."})
        if self.marketplace == "etsy":
            if not ETSY_LISTING_RE.fullmatch(self.item_id):
                raise ValidationError({"item_id": f"An Etsy listing id is a number (got {self.item_id!r})."})
            if self.seller_id:
                raise ValidationError({"seller_id": "An Etsy listing has one seller: leave seller_id empty."})


class CompetitorObservation(models.Model):
    """What one observation of a competitor saw (docs/competitors.md#data: a plain table indexed on
    (competitor, time)). A missing price is "no offer": `has_offer` False and the prices NULL, never 0."""

    competitor = models.ForeignKey(Competitor, on_delete=models.CASCADE, related_name="observations")
    time = models.DateTimeField(db_index=True)
    has_offer = models.BooleanField(default=True, help_text="False: no offer seen (prices empty, never 0).")
    price = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal("0.01"))]
    )
    shipping = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))]
    )
    landed_price = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, help_text="price + shipping."
    )
    buy_box_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    lowest_price = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="The lowest landed price of all offers on the item.",
    )
    currency = models.CharField(max_length=3, blank=True)
    has_buy_box = models.BooleanField(default=False)
    is_featured_offer = models.BooleanField(default=False)
    offer_count = models.PositiveIntegerField(default=0)
    stock_status = models.CharField(max_length=20, choices=StockStatus.choices, default=StockStatus.UNKNOWN)
    sales_rank = models.PositiveIntegerField(null=True, blank=True)
    rating = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    sellers = models.JSONField(default=list, blank=True, help_text="Seller ids of the offers seen on the item.")
    source = models.CharField(max_length=20, default="api")

    class Meta:
        ordering = ["-time", "-id"]
        indexes = [models.Index(fields=["competitor", "time"], name="competitorobs_subject_time_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(has_offer=True) & Q(price__isnull=False) & Q(price__gt=0))
                | (Q(has_offer=False) & Q(price__isnull=True) & Q(landed_price__isnull=True)),
                name="competitorobs_no_offer_is_null",
                violation_error_message="An offer has a price above 0; no offer has no price (never 0).",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.competitor_id} @ {self.time:%Y-%m-%d %H:%M}: {self.landed_price if self.has_offer else 'no offer'}"
        )

    def clean(self) -> None:
        if self.price is not None and self.price <= 0:
            raise ValidationError({"price": "A price must be above 0; a missing price is stored as no offer."})
        if not self.has_offer and (self.price is not None or self.landed_price is not None):
            raise ValidationError({"price": "An observation without an offer has no price."})
        if self.has_offer and self.price is None:
            raise ValidationError({"price": "An offer needs a price (else store no offer)."})


class Alert(BaseModel):
    """A move of a competitor worth a look (docs/competitors.md#alerts). Moves of one competitor of one type within the
    alert window fold into one open alert: `previous_value` stays the value before the first move, `new_value`
    and `change_pct` follow the latest, `occurrences` counts the moves (docs/competitors.md#alerts)."""

    competitor = models.ForeignKey(Competitor, on_delete=models.CASCADE, related_name="alerts")
    alert_type = models.CharField(max_length=30, choices=AlertType.choices)
    previous_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    change_pct = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    severity = models.CharField(max_length=10, choices=AlertSeverity.choices, default=AlertSeverity.MEDIUM)
    affected_listings = models.ManyToManyField("listings.Listing", blank=True, related_name="competitor_alerts")
    status = models.CharField(max_length=20, choices=AlertStatus.choices, default=AlertStatus.NEW)
    actioned_at = models.DateTimeField(null=True, blank=True)
    action_taken = models.TextField(blank=True)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    occurrences = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-last_seen_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="alert_status_idx"),
            models.Index(fields=["severity", "-created_at"], name="alert_severity_idx"),
            models.Index(fields=["competitor", "alert_type", "-last_seen_at"], name="alert_group_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_seen_at__gte=models.F("first_seen_at")),
                name="alert_seen_in_order",
                violation_error_message="last_seen_at cannot be before first_seen_at.",
            ),
            models.CheckConstraint(condition=Q(occurrences__gte=1), name="alert_occurrences_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_alert_type_display()} · {self.competitor}"
