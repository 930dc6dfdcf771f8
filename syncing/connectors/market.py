"""What marketplaces say about items sold by others (market research), crossing the connector interface.

Frozen dataclasses with defaults, like those of base.py; connectors that offer market research fill them
(today Amazon: docs/marketplaces/amazon.md#catalog-and-pricing).
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class CatalogMatch:
    """One item of the marketplace's catalog (Amazon: an ASIN from searchCatalogItems)."""

    item_id: str
    title: str
    link: str = ""
    brand: str = ""
    model: str = ""
    category: str = ""  # the marketplace's own category (Amazon: the browse classification's name)
    category_id: str = ""
    identifiers: tuple[tuple[str, str], ...] = ()  # (type, value), e.g. ("EAN", "4006381333931")
    sales_rank: int | None = None


@dataclass(frozen=True)
class MarketOffers:
    """The competition on one catalog item: offer count, lowest and buy-box prices (landed: price + shipping), the
    list price (MSRP) where the marketplace gives one."""

    item_id: str
    condition: str
    currency: str = ""
    offer_count: int = 0
    lowest_price: Decimal | None = None
    buy_box_price: Decimal | None = None
    list_price: Decimal | None = None
    prices: tuple[Decimal, ...] = ()  # the landed price of every offer returned (at most 20)


@runtime_checkable
class MarketResearch(Protocol):
    """A connector that can look up other sellers' items and offers (AmazonConnector)."""

    def search_catalog_items(self, *, gtin: str = "", keywords: str = "", page_size: int = 10) -> list[CatalogMatch]:
        """By GTIN, else by keywords; [] when nothing matches."""

    def get_item_offers(self, asin: str, condition: str = "new") -> MarketOffers:
        """The competition on one item in a condition (new, used, refurbished, collectible)."""
