"""Demo supplier feed: an Etilize-style CSV (operations/demo/etilize_products_sample.csv) as an `upload` feed,
with a mapping that uses most transforms (docs/operations.md#mapping). Created by `manage.py seed_demo_feeds`."""

from pathlib import Path

from django.core.files import File

from operations.models import Feed
from operations.services.feeds import feed_save

SAMPLE = Path(__file__).with_name("etilize_products_sample.csv")
DEMO_FEED_NAME = "Etilize demo feed"
DEMO_MAPPING = {
    "sku": {"from": "MfgPartNo"},
    "title": {"from": "ProductName"},
    "description": {"from": "MarketingText"},
    "brand": {"from": "Manufacturer"},
    "category": {
        "from": "CategoryPath",
        "transform": {
            "type": "category_map",
            "separator": "|",
            "table": {"Printers & Scanners > Supplies > Toner": "Office > Printer supplies > Toner"},
        },
    },
    "cost_price": {"from": "ListPrice"},
    "price": {"from": "ListPrice", "transform": {"type": "price", "markup_percent": 20, "rounding": "0.99"}},
    "currency": {"transform": {"type": "constant", "value": "USD"}},
    "weight_grams": {"from": "Weight (lbs)", "transform": {"type": "unit", "from_unit": "lb", "to_unit": "g"}},
    "barcode": {"from": "UPC"},
    "quantity": {"from": "Stock"},
}


def seed_demo_feed() -> tuple[Feed, bool]:
    """The demo feed (created once; an existing one is left as it is)."""
    existing = Feed.objects.filter(name=DEMO_FEED_NAME).first()
    if existing is not None:
        return existing, False
    with SAMPLE.open("rb") as fh:
        feed = feed_save(
            data={
                "name": DEMO_FEED_NAME,
                "source_type": "upload",
                "format": "csv",
                "mapping": DEMO_MAPPING,
                "on_error": "skip-rows",
                "is_active": True,
            },
            upload=File(fh, name=SAMPLE.name),
        )
    return feed, True
