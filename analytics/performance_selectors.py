"""Reads of the daily performance metrics (docs/analytics.md#performance-metrics): per-listing sales from our
orders, the stored metrics of a listing, and the movers table."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum

from accounts.roles import channel_scoped
from channels.models import Channel
from listings.models import Listing
from orders.choices import PAID_STATUSES
from orders.models import OrderLine

from .models import PerformanceMetric
from .selectors import _placed_between, day_bounds, order_day

MONEY = DecimalField(max_digits=14, decimal_places=2)
ZERO = Decimal("0")
CENT = Decimal("0.01")
MOVERS_DAYS = 7  # last 7 days against the 7 before


def performance_list() -> QuerySet[PerformanceMetric]:
    """Every stored metric row, with its listing's channel (the API and the admin filter it)."""
    return PerformanceMetric.objects.select_related("listing__channel").order_by("listing_id", "report_date")


def performance_visible(user: Any) -> QuerySet[PerformanceMetric]:
    return channel_scoped(performance_list(), user, "listing__channel_id")


def listing_metrics(listing: Listing, first: date, last: date) -> list[PerformanceMetric]:
    """The stored days first..last of one listing, oldest first (a missing day has no row)."""
    return list(
        PerformanceMetric.objects.filter(listing=listing, report_date__gte=first, report_date__lte=last).order_by(
            "report_date"
        )
    )


def published_listings(channel: Channel) -> list[Listing]:
    """The channel's listings that are on the marketplace (they have an external id)."""
    return list(Listing.objects.filter(channel=channel).exclude(external_id="").select_related("product", "variant"))


def listing_sku(listing: Listing) -> str:
    return listing.variant.sku if listing.variant_id and listing.variant else listing.product.sku


def listing_daily_sales(
    channel: Channel, listings: Iterable[Listing], first: date, last: date
) -> dict[tuple[int, date], tuple[int, Decimal]]:
    """(listing id, day) -> (units, revenue) from our paid orders of the channel placed on the days first..last.

    One GROUP BY over order lines. A line counts for the listing of its variant, else the listing of its
    product, else (an unlinked line) the listing whose SKU it names. Units less cancelled units; revenue is
    those units at the line's unit price, only for orders in the channel's currency (others: units only)."""
    start, end = day_bounds(first, last)
    kept = F("quantity") - F("cancelled_quantity")
    in_currency = Q(order__currency=channel.currency)
    rows = (
        OrderLine.objects.filter(
            _placed_between("order__", start, end), order__channel=channel, order__status__in=PAID_STATUSES
        )
        .annotate(day=order_day("order__"))
        .order_by()
        .values("stock__product_id", "stock__variant_id", "sku", "day")
        .annotate(
            units=Sum(kept),
            revenue=Sum(ExpressionWrapper(kept * F("unit_price"), output_field=MONEY), filter=in_currency),
        )
    )
    by_variant, by_product, by_sku = {}, {}, {}
    for listing in listings:
        if listing.variant_id:
            by_variant[listing.variant_id] = listing.pk
        else:
            by_product[listing.product_id] = listing.pk
        by_sku[listing_sku(listing)] = listing.pk
    out: dict[tuple[int, date], tuple[int, Decimal]] = {}
    for row in rows:
        listing_id = (
            by_variant.get(row["stock__variant_id"])
            or by_product.get(row["stock__product_id"])
            or (by_sku.get(row["sku"]) if row["stock__product_id"] is None else None)
        )
        if listing_id is None:
            continue
        units, revenue = out.get((listing_id, row["day"]), (0, ZERO))
        out[(listing_id, row["day"])] = (units + int(row["units"] or 0), revenue + (row["revenue"] or ZERO))
    return out


# --- movers ---


@dataclass
class Mover:
    listing_id: int
    title: str
    sku: str
    channel_name: str
    currency: str
    units_before: int
    units_after: int
    revenue_before: Decimal
    revenue_after: Decimal

    @property
    def units_change(self) -> int:
        return self.units_after - self.units_before

    @property
    def revenue_change(self) -> Decimal:
        return self.revenue_after - self.revenue_before


def performance_movers(user: Any, *, today: date, days: int = MOVERS_DAYS, limit: int = 10) -> dict[str, list[Mover]]:
    """The listings whose units (then revenue) changed most: the `days` days up to yesterday against the `days`
    before. One GROUP BY over the stored metrics; days without a row count as nothing, NULL units too.
    {"top": biggest rises, "bottom": biggest falls}."""
    last = today - timedelta(days=1)
    split = last - timedelta(days=days - 1)
    first = split - timedelta(days=days)
    after, before = Q(report_date__gte=split), Q(report_date__lt=split)
    rows = (
        performance_visible(user)
        .filter(report_date__gte=first, report_date__lte=last)
        .order_by()
        .values("listing_id")
        .annotate(
            units_after=Sum("units_ordered", filter=after),
            units_before=Sum("units_ordered", filter=before),
            revenue_after=Sum("ordered_product_sales", filter=after),
            revenue_before=Sum("ordered_product_sales", filter=before),
        )
    )
    figures = {row["listing_id"]: row for row in rows}
    listings = Listing.objects.filter(pk__in=figures).select_related("product", "variant", "channel")
    movers = []
    for listing in listings:
        row = figures[listing.pk]
        movers.append(
            Mover(
                listing_id=listing.pk,
                title=listing.title or listing.product.title,
                sku=listing_sku(listing),
                channel_name=listing.channel.name,
                currency=listing.channel.currency,
                units_before=row["units_before"] or 0,
                units_after=row["units_after"] or 0,
                revenue_before=(row["revenue_before"] or ZERO).quantize(CENT),
                revenue_after=(row["revenue_after"] or ZERO).quantize(CENT),
            )
        )
    movers.sort(key=lambda m: (m.units_change, m.revenue_change, -m.listing_id))
    rising = [m for m in reversed(movers) if m.units_change > 0 or m.revenue_change > 0][:limit]
    falling = [m for m in movers if m.units_change < 0 or m.revenue_change < 0][:limit]
    return {"top": rising, "bottom": falling}
