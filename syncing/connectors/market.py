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


@dataclass(frozen=True)
class CompetingOffer:
    """One seller's offer on a watched item. `price` is the item price, `shipping` the delivery charge, `landed`
    their sum (what a buyer pays); None when the marketplace names no price."""

    seller_id: str
    price: Decimal | None
    shipping: Decimal | None = None
    landed: Decimal | None = None
    has_buy_box: bool = False
    is_featured: bool = False
    is_fulfilled_by_marketplace: bool = False
    quantity: int | None = None  # stock, where the marketplace tells it (Etsy); None: unknown (Amazon)


@dataclass(frozen=True)
class ItemCompetition:
    """The state of one watched item at one moment (competitors app, docs/competitors.md#data): every offer
    returned, the buy box, the lowest landed price, the offer count, the sales rank and rating where exposed."""

    item_id: str
    currency: str = ""
    title: str = ""
    brand: str = ""
    offers: tuple[CompetingOffer, ...] = ()
    offer_count: int = 0
    buy_box_price: Decimal | None = None
    buy_box_seller: str = ""
    lowest_price: Decimal | None = None
    sales_rank: int | None = None
    rating: Decimal | None = None
    review_count: int | None = None
    is_active: bool = True  # False: the item is no longer sold (Etsy sold_out / inactive)


@dataclass(frozen=True)
class ListingMatch:
    """One listing of another shop found by a search of active listings (Etsy findAllListingsActive)."""

    item_id: str
    title: str
    shop_id: str = ""
    price: Decimal | None = None
    currency: str = ""
    quantity: int | None = None
    link: str = ""


@runtime_checkable
class CompetitorWatch(Protocol):
    """A connector that can observe a competitor's item (Amazon: an ASIN, Etsy: a listing id)."""

    def observe_item(self, item_id: str) -> ItemCompetition:
        """Offers, buy box, rank of one item now; raises Rejected/NotFound for an item the marketplace lacks."""
