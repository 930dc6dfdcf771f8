"""Rows for the attribution tests: the worked example of docs/analytics.md#attribution as listings, a content
version and daily metrics in the database."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from analytics.attribution import windows
from analytics.models import MetricSource, PerformanceMetric
from catalog.services import category_create
from inventory.models import StockMovement
from listings.models import Listing, ListingVersion
from listings.services import listing_create
from tests.catalog.factories import ProductFactory

CHANGE_DAY = date(2026, 11, 10)
TODAY = date(2026, 11, 25)  # the after window (11-11 .. 11-17) ended 8 days before
LONG_AGO = datetime(2026, 10, 1, tzinfo=UTC)

LISTING_UNITS = [10, 12, 8, 10, 11, 9, 10], [12, 13, 11, 12, 14, 10, 12]
CONTROL_A_UNITS = [20, 22, 18, 20, 21, 19, 20], [21, 22, 20, 21, 22, 19, 22]
CONTROL_B_UNITS = [10, 9, 11, 10, 10, 11, 9], [12, 12, 11, 13, 12, 12, 12]


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def listing_make(channel, category, sku: str) -> Listing:
    product = ProductFactory(sku=sku, title=f"Mug {sku}", category=category, quantity=100)
    listing = listing_create(product=product, channel=channel)
    # what creating them wrote happened long before the windows
    StockMovement.objects.filter(stock__product=product).update(created_at=LONG_AGO)
    ListingVersion.objects.filter(listing=listing).update(created_at=LONG_AGO)
    return listing


def metrics_write(listing: Listing, units: tuple[list, list], *, sessions: int | None = 100, day=CHANGE_DAY) -> None:
    before, after = windows(day)
    PerformanceMetric.objects.bulk_create(
        PerformanceMetric(
            listing=listing,
            report_date=d,
            sessions=sessions,
            units_ordered=u,
            ordered_product_sales=Decimal("20.00") * u,
            currency="USD",
            source=MetricSource.AMAZON_REPORT,
            fetched_at=timezone.now(),
        )
        for d, u in zip(before + after, units[0] + units[1], strict=True)
        if u is not None
    )


def version_write(listing: Listing, *, when: datetime, fields=("title",)) -> ListingVersion:
    latest = ListingVersion.objects.filter(listing=listing).order_by("-version_number").first()
    assert latest is not None
    return ListingVersion.objects.create(
        listing=listing,
        version_number=latest.version_number + 1,
        product_version=latest.product_version,
        overrides=dict(latest.overrides)
        | ({"title": f"Better title {latest.version_number + 1}"} if "title" in fields else {}),
        change_type="manual",
        changed_fields=list(fields),
        created_at=when,
    )


@dataclass
class Scene:
    listing: Listing
    controls: list[Listing]
    version: ListingVersion
    others: dict[str, Listing] = field(default_factory=dict)


def worked_example(make_channel) -> Scene:
    """The worked example: a title change on 2026-11-10 of MUG-T, two unchanged listings of its category on its
    channel (the control), and three that must stay out of the control: one changed inside the window, one of
    another channel and one of another category (their figures would move the result)."""
    channel = make_channel("amazon", name="Amazon US")
    other_channel = make_channel("shopify", name="Shop US")
    mugs, lamps = category_create(name="Mugs"), category_create(name="Lamps")
    listing = listing_make(channel, mugs, "MUG-T")
    a, b = listing_make(channel, mugs, "MUG-A"), listing_make(channel, mugs, "MUG-B")
    changed = listing_make(channel, mugs, "MUG-C")
    elsewhere = listing_make(other_channel, mugs, "MUG-S")
    lamp = listing_make(channel, lamps, "LAMP-1")
    metrics_write(listing, LISTING_UNITS)
    metrics_write(a, CONTROL_A_UNITS)
    metrics_write(b, CONTROL_B_UNITS)
    wild = ([1] * 7, [90] * 7)
    for other in (changed, elsewhere, lamp):
        metrics_write(other, wild)
    version_write(changed, when=at(CHANGE_DAY + timedelta(days=3)), fields=("description",))
    version = version_write(listing, when=at(CHANGE_DAY), fields=("title",))
    return Scene(listing, [a, b], version, {"changed": changed, "elsewhere": elsewhere, "lamp": lamp})
