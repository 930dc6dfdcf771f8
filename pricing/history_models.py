"""Price history: every change of a listing's own (effective) price and every observed remote, buy-box and lowest
competitor price, as plain time-series tables (docs/pricing.md#price-history).

Seed 003 keeps `pricing.price_history` in a TimescaleDB hypertable with a 30-day compression and a two-year
retention policy; here the same policy is a raw table indexed on (listing, time), a daily aggregate table and
a job (`pricing.history.price_history_compress`). The raw rows are not BaseModels: they are written far more
often than edited, and `time` plus `created_by` say all the timestamps would.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


class PriceKind(models.TextChoices):
    """Which price a point is: ours (the effective price we send) or one we observed."""

    OURS = "ours", "Our price"
    REMOTE = "remote", "Remote price"  # what the marketplace shows for our listing (read by a pull)
    BUY_BOX = "buy_box", "Buy box"
    LOWEST_COMPETITOR = "lowest_competitor", "Lowest competitor"


OBSERVED_KINDS = (PriceKind.REMOTE, PriceKind.BUY_BOX, PriceKind.LOWEST_COMPETITOR)


class PriceSource(models.TextChoices):
    """Who moved or observed the price."""

    MANUAL = "manual", "Manual edit"  # a staff page or the admin
    API = "api", "API"
    GRID = "grid", "Bulk price grid"
    IMPORT = "import", "Import"
    ROLLBACK = "rollback", "Rollback (import undo)"
    MARKUP = "markup", "Channel price rule (markup)"
    RULE = "rule", "Price rule"
    SYNC = "sync", "Marketplace sync"  # a pull read it, or the marketplace's value was accepted
    COMPETITOR = "competitor", "Competitor observation"


class PriceHistory(models.Model):
    """One point of a listing's price history: `kind` of price, `price` at `time`, and where it came from.

    `price` is null when there is no offer (a competitor out of stock, no buy box): never stored as 0.
    `detail` holds what explains the point (a rule's inputs, formula and clipping guard; the effective-price
    steps).
    """

    time = models.DateTimeField(db_index=True)
    listing = models.ForeignKey("listings.Listing", on_delete=models.CASCADE, related_name="price_history")
    kind = models.CharField(max_length=20, choices=PriceKind.choices, default=PriceKind.OURS)
    price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    sale_price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    buy_box_price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    has_buy_box = models.BooleanField(null=True, blank=True)
    source = models.CharField(max_length=20, choices=PriceSource.choices)
    detail = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["-time", "-id"]
        verbose_name_plural = "price history"
        indexes = [models.Index(fields=["listing", "kind", "time"], name="pricehistory_listing_kind_time")]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__isnull=True) | Q(price__gt=0),
                name="pricehistory_price_positive_or_null",
                violation_error_message="A price must be above 0 (empty: no offer).",
            ),
            models.CheckConstraint(condition=Q(kind__in=[k.value for k in PriceKind]), name="pricehistory_kind_valid"),
            models.CheckConstraint(
                condition=Q(source__in=[s.value for s in PriceSource]), name="pricehistory_source_valid"
            ),
            models.CheckConstraint(
                condition=~Q(kind=PriceKind.OURS) | Q(price__isnull=False),
                name="pricehistory_ours_has_price",
                violation_error_message="Our own price cannot be empty.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.listing_id} {self.kind} {self.price if self.price is not None else 'no offer'} @ {self.time}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        for name in ("price", "sale_price", "buy_box_price"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                errors[name] = f"{name} must be above 0 (got {value}); leave it empty for no offer."
        if self.kind == PriceKind.OURS and self.price is None and "price" not in errors:
            errors["price"] = "Our own price cannot be empty."
        if errors:
            raise ValidationError(errors)


class PriceHistoryDaily(models.Model):
    """A day of one listing's price of one kind, once its raw points are older than PRICE_HISTORY_RAW_DAYS:
    lowest, highest and last (closing) price of the day (nulls, "no offer", are left out of min/max; `close_price`
    is null when the day ended without an offer) and how many points it summarises."""

    listing = models.ForeignKey("listings.Listing", on_delete=models.CASCADE, related_name="price_history_daily")
    kind = models.CharField(max_length=20, choices=PriceKind.choices)
    day = models.DateField()
    min_price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    max_price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    close_price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    close_time = models.DateTimeField(help_text="Time of the day's last point (merges keep the later close).")
    points = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day", "kind"]
        verbose_name_plural = "price history (daily)"
        constraints = [
            models.UniqueConstraint(fields=["listing", "kind", "day"], name="pricehistorydaily_one_per_day"),
            models.CheckConstraint(
                condition=Q(min_price__isnull=True)
                | Q(max_price__isnull=True)
                | Q(min_price__lte=models.F("max_price")),
                name="pricehistorydaily_min_not_above_max",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in PriceKind]), name="pricehistorydaily_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.listing_id} {self.kind} {self.day}: {self.min_price}–{self.max_price}, close {self.close_price}"
