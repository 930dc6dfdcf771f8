"""Amazon market research calls: Catalog Items 2022-04-01 `searchCatalogItems` and Product Pricing v0
`getItemOffers` (docs/marketplaces/amazon.md#catalog-and-pricing). No Django; the connector passes its signed
call (LWA token, `before_request` rate hook, error mapping) in as `call`.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from ..market import CatalogMatch, MarketOffers

SEARCH_PATH = "/catalog/2022-04-01/items"
OFFERS_PATH = "/products/pricing/v0/items/{asin}/offers"
INCLUDED = "summaries,identifiers,salesRanks"
MAX_TERMS = 20  # identifiers or keywords per search
SALES_RANK_BATCH = MAX_TERMS  # searchCatalogItems takes 20 ASINs a call; getCatalogItem takes one
CONDITIONS = {"new": "New", "used": "Used", "refurbished": "Refurbished", "collectible": "Collectible"}
DETAIL_HOSTS = {
    "ATVPDKIKX0DER": "www.amazon.com",
    "A2EUQ1WTGCTBG2": "www.amazon.ca",
    "A1F83G8C2ARO7P": "www.amazon.co.uk",
    "A1PA6795UKMFR9": "www.amazon.de",
    "A1VC38T7YXB528": "www.amazon.co.jp",
}

Call = Callable[..., dict[str, Any]]  # (method, path, *, params) -> JSON


def identifier_type(gtin: str) -> str:
    """The identifiersType of a GTIN by its length: UPC (12), EAN (13), else GTIN (8, 14)."""
    return {12: "UPC", 13: "EAN"}.get(len(gtin), "GTIN")


def search_params(marketplace_id: str, *, gtin: str = "", keywords: str = "", page_size: int = 10) -> dict[str, str]:
    params = {"marketplaceIds": marketplace_id, "includedData": INCLUDED, "pageSize": str(max(1, min(20, page_size)))}
    if gtin:
        params.update(identifiers=gtin, identifiersType=identifier_type(gtin))
    else:
        words = [w for w in keywords.replace(",", " ").split() if w][:MAX_TERMS]
        if not words:
            raise ValueError("A catalog search needs a GTIN or keywords.")
        params["keywords"] = ",".join(words)
    return params


def matches(data: dict[str, Any], marketplace_id: str) -> list[CatalogMatch]:
    host = DETAIL_HOSTS.get(marketplace_id, "www.amazon.com")
    out = []
    for item in data.get("items") or []:
        if not isinstance(item, dict) or not item.get("asin"):
            continue
        asin = str(item["asin"])
        summary = _for_marketplace(item.get("summaries"), marketplace_id)
        browse = summary.get("browseClassification") or {}
        ids = _for_marketplace(item.get("identifiers"), marketplace_id).get("identifiers") or []
        ranks = _for_marketplace(item.get("salesRanks"), marketplace_id).get("classificationRanks") or []
        out.append(
            CatalogMatch(
                item_id=asin,
                title=str(summary.get("itemName") or ""),
                link=f"https://{host}/dp/{quote(asin)}",
                brand=str(summary.get("brand") or ""),
                model=str(summary.get("modelNumber") or summary.get("partNumber") or ""),
                category=str(browse.get("displayName") or ""),
                category_id=str(browse.get("classificationId") or ""),
                identifiers=tuple((str(i.get("identifierType")), str(i.get("identifier"))) for i in ids),
                sales_rank=int(ranks[0]["rank"]) if ranks and str(ranks[0].get("rank", "")).isdigit() else None,
            )
        )
    return out


def offers_params(marketplace_id: str, condition: str) -> dict[str, str]:
    return {"MarketplaceId": marketplace_id, "ItemCondition": CONDITIONS.get(condition.lower(), "New"),
            "CustomerType": "Consumer"}  # fmt: skip


def offers(data: dict[str, Any], asin: str) -> MarketOffers:
    result = data.get("payload") or {}
    summary = result.get("Summary") or {}
    currency = ""

    def money(value: Any) -> Decimal | None:
        nonlocal currency
        if not isinstance(value, dict) or value.get("Amount") is None:
            return None
        try:
            amount = Decimal(str(value["Amount"])).quantize(Decimal("0.01"))
        except InvalidOperation:
            return None
        currency = currency or str(value.get("CurrencyCode") or "")
        return amount

    landed = [money(p.get("LandedPrice")) for p in summary.get("LowestPrices") or [] if isinstance(p, dict)]
    lowest = min((p for p in landed if p is not None), default=None)
    box = [money(p.get("LandedPrice")) for p in summary.get("BuyBoxPrices") or [] if isinstance(p, dict)]
    prices = []
    for offer in result.get("Offers") or []:
        price, shipping = money(offer.get("ListingPrice")), money(offer.get("Shipping"))
        if price is not None:
            prices.append(price + (shipping or 0))
    return MarketOffers(
        item_id=asin,
        condition=str(result.get("ItemCondition") or ""),
        currency=currency,
        offer_count=int(summary.get("TotalOfferCount") or 0),
        lowest_price=lowest,
        buy_box_price=next((p for p in box if p is not None), None),
        list_price=money(summary.get("ListPrice")),
        prices=tuple(prices),
    )


def search_catalog_items(call: Call, marketplace_id: str, **query: Any) -> list[CatalogMatch]:
    return matches(call("GET", SEARCH_PATH, params=search_params(marketplace_id, **query)), marketplace_id)


def get_item_offers(call: Call, marketplace_id: str, asin: str, condition: str = "new") -> MarketOffers:
    path = OFFERS_PATH.format(asin=quote(asin, safe=""))
    return offers(call("GET", path, params=offers_params(marketplace_id, condition)), asin)


def _for_marketplace(entries: Any, marketplace_id: str) -> dict[str, Any]:
    """The entry of a per-marketplace array for ours (else the first)."""
    rows = [e for e in entries or [] if isinstance(e, dict)]
    return next((e for e in rows if e.get("marketplaceId") == marketplace_id), rows[0] if rows else {})


# --- best-seller rank (docs/marketplaces/amazon.md#best-seller-rank) ---


@dataclass(frozen=True)
class ClassificationRank:
    """One `classificationRanks` entry: the item's rank in a browse node (1 = best seller)."""

    classification_id: str
    title: str
    rank: int


@dataclass(frozen=True)
class ItemSalesRank:
    """An ASIN's classification ranks; `best` is the lowest rank (None when Amazon ranks the item nowhere)."""

    asin: str
    ranks: tuple[ClassificationRank, ...]

    @property
    def best(self) -> ClassificationRank | None:
        return min(self.ranks, key=lambda r: r.rank, default=None)


def sales_rank_params(marketplace_id: str, asins: Sequence[str]) -> dict[str, str]:
    if not asins or len(asins) > SALES_RANK_BATCH:
        raise ValueError(f"Ask for 1 to {SALES_RANK_BATCH} ASINs at a time (got {len(asins)}).")
    return {"marketplaceIds": marketplace_id, "identifiers": ",".join(asins), "identifiersType": "ASIN",
            "includedData": "salesRanks", "pageSize": str(SALES_RANK_BATCH)}  # fmt: skip


def item_sales_ranks(item: dict[str, Any], marketplace_id: str) -> ItemSalesRank:
    """The classification ranks of one Item (getCatalogItem's answer or a search result); display group ranks
    (a whole website group such as "Home & Kitchen") are left out: a BSR is a browse node's rank."""
    entries = _for_marketplace(item.get("salesRanks"), marketplace_id).get("classificationRanks") or []
    ranks = []
    for entry in entries:
        rank = entry.get("rank") if isinstance(entry, dict) else None
        if isinstance(rank, int) and not isinstance(rank, bool) and rank >= 1:
            ranks.append(
                ClassificationRank(str(entry.get("classificationId") or ""), str(entry.get("title") or ""), rank)
            )
    return ItemSalesRank(str(item.get("asin") or ""), tuple(ranks))


def search_sales_ranks(call: Call, marketplace_id: str, asins: Sequence[str]) -> list[ItemSalesRank]:
    """Up to 20 ASINs' sales ranks in one searchCatalogItems call; an ASIN Amazon does not know is absent."""
    data = call("GET", SEARCH_PATH, params=sales_rank_params(marketplace_id, asins))
    return [
        item_sales_ranks(i, marketplace_id) for i in data.get("items") or [] if isinstance(i, dict) and i.get("asin")
    ]
