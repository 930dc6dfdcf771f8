"""Amazon's catalog of other sellers' items and their offers: Catalog Items 2022-04-01 `searchCatalogItems` and
Product Pricing v0 `getItemOffers` (docs/sandbox.md#amazon-catalog, docs/marketplaces/amazon.md#catalog-and-pricing).

The Amazon module hands these paths here after authenticating the token; the catalog is seeded deterministically
at every reset and tests add items and offers through `add_item` / `add_offer` (or `POST /amazon/_control/catalog`).
Responses follow the vendor shapes: the catalog search is not wrapped in `payload`; the offers are
`{"payload": GetOffersResult}` with numeric `Amount`s.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

from ..competition import Schedule, number
from .amazon_sales_ranks import OwnSalesRanks, own_items

CATALOG_SEARCH = "/catalog/2022-04-01/items"
ITEM_OFFERS = re.compile(r"/products/pricing/v0/items/(?P<asin>[A-Z0-9]{10})/offers")
CATALOG_ITEM = re.compile(r"/catalog/2022-04-01/items/(?P<asin>[A-Z0-9]{10})")  # getCatalogItem
CONTROL = "/_control/catalog"
IDENTIFIER_TYPES = ("ASIN", "EAN", "GTIN", "ISBN", "JAN", "MINSAN", "SKU", "UPC")
INCLUDED_DATA = ("attributes", "classifications", "dimensions", "identifiers", "images", "productTypes",
                 "relationships", "salesRanks", "summaries", "vendorDetails")  # fmt: skip
CONDITIONS = ("New", "Used", "Collectible", "Refurbished", "Club")
PAGE_MAX = 20
LIST_MAX = 20  # identifiers or keywords per search

# The seeded catalog: (GTIN-13, title, brand, model, browse node name, node id, list price, [offer prices]).
SEED: tuple[tuple[str, str, str, str, str, str, float | None, tuple[float, ...]], ...] = (
    ("4006381333931", "Acme KT-200 Electric Kettle 1.7 L, Stainless Steel", "Acme", "KT-200", "Kettles", "289913",
     59.99, (44.90, 47.50, 52.00)),
    ("4006381333948", "Acme KT-300 Glass Electric Kettle 1.5 L with Blue LED", "Acme", "KT-300", "Kettles", "289913",
     69.99, (54.00, 58.75)),
    ("5012345678900", "Brewmaster Pour-Over Coffee Kettle 1 L, Gooseneck", "Brewmaster", "PK-1", "Kettles",
     "289913", None, (34.99,)),
    ("0885909950805", "Nordic Ceramic Coffee Mug 350 ml, Set of 4, White", "Nordic", "CM-350", "Mugs", "915194",
     29.99, (21.50, 22.00, 24.99)),
    ("0885909950812", "Nordic Travel Mug 500 ml, Vacuum Insulated, Black", "Nordic", "TM-500", "Travel Mugs",
     "3737971", 24.99, (18.99, 19.49)),
    ("0194252056141", "SoundWave BT-100 Wireless Headphones, Over-Ear, Black", "SoundWave", "BT-100",
     "Over-Ear Headphones", "12097478011", 89.00, (64.00, 69.99, 72.50, 79.00)),
    ("0194252056158", "SoundWave BT-50 Wireless Earbuds with Charging Case", "SoundWave", "BT-50", "Earbud Headphones",
     "12097479011", 49.00, (35.00, 39.99)),
    ("7350053850019", "Fjall Merino Wool Beanie, Grey, One Size", "Fjall", "MB-1", "Skullies & Beanies", "2474947011",
     35.00, (28.00,)),
    ("7350053850026", "Fjall Cotton T-Shirt Crew Neck, Navy, Size M", "Fjall", "TS-M", "T-Shirts", "1045624", 25.00,
     (17.95, 19.95, 21.00)),
    ("4711234567895", "Luma LED Desk Lamp 10 W, Dimmable, USB Charging Port", "Luma", "DL-10", "Desk Lamps",
     "1063292", 45.99, (32.99, 36.50)),
    ("0036000291452", "PaperCo A5 Dotted Notebook, 160 Pages, Hardcover", "PaperCo", "NB-A5", "Notebooks",
     "1069554", 14.99, (9.99, 11.49, 12.00)),
    ("0012345678905", "Trailhead 30 L Hiking Backpack, Water Resistant, Green", "Trailhead", "HB-30",
     "Hiking Daypacks", "3400371", 79.95, (59.00, 64.95)),
)  # fmt: skip


def asin_for(gtin: str) -> str:
    """A stable ASIN for a seeded or added item (B0 + 8 characters of the GTIN's hash)."""
    digest = hashlib.sha1(gtin.encode()).hexdigest().upper()
    return "B0" + digest[:8]


def _seller_id(n: int) -> str:
    return "A" + hashlib.sha1(f"seller-{n}".encode()).hexdigest().upper()[:13]


class CatalogError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class AmazonCatalog:
    """Other sellers' items (by ASIN) and their offers; state of the Amazon module, reset with it."""

    def __init__(self, now: Callable[[], float] | None = None, seed: int = 0) -> None:
        self.schedule = Schedule(now or time.time, seed)  # competing sellers move each step (competition.py)
        self.items: dict[str, dict[str, Any]] = {}
        self.offers: dict[str, list[dict[str, Any]]] = {}
        self.own_ranks = OwnSalesRanks()  # pinned ranks of the seller's own ASINs (amazon_sales_ranks.py)
        for gtin, title, brand, model, node, node_id, list_price, prices in SEED:
            asin = self.add_item({"gtin": gtin, "title": title, "brand": brand, "model": model, "category": node,
                                  "category_id": node_id, "list_price": list_price})  # fmt: skip
            for n, price in enumerate(prices):
                self.add_offer(asin, {"price": price, "shipping": 0 if n % 2 == 0 else 4.99, "seller_id": _seller_id(n),
                                      "fba": n == 0})  # fmt: skip

    # --- control ---

    def add_item(self, data: Mapping[str, Any]) -> str:
        """Add (or replace) an item: gtin (13 digits; also findable as GTIN-14 and, with a leading 0, UPC), title,
        brand, model, category, category_id, list_price (optional), currency (default USD). Returns the ASIN."""
        gtin = str(data.get("gtin") or "")
        title = str(data.get("title") or "").strip()
        if not re.fullmatch(r"\d{8,14}", gtin) or not title:
            raise ValueError("A catalog item needs 'gtin' (8-14 digits) and 'title'.")
        gtin = gtin.zfill(13)
        asin = str(data.get("asin") or asin_for(gtin))
        self.items[asin] = {
            "asin": asin,
            "gtin": gtin,
            "title": title,
            "brand": str(data.get("brand") or ""),
            "model": str(data.get("model") or ""),
            "category": str(data.get("category") or ""),
            "category_id": str(data.get("category_id") or "0"),
            "list_price": None if data.get("list_price") in (None, "") else float(data["list_price"]),
            "currency": str(data.get("currency") or "USD"),
            "rank": None if data.get("rank") in (None, "") else int(data["rank"]),
            "rank_pinned": data.get("rank") not in (None, ""),
        }
        self.offers.setdefault(asin, [])
        return asin

    def add_offer(self, asin: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """Another seller's offer on `asin`: price, shipping (default 0), condition (default New), seller_id, fba."""
        if asin not in self.items:
            raise ValueError(f"No catalog item with ASIN {asin}.")
        condition = str(data.get("condition") or "New")
        if condition not in CONDITIONS:
            raise ValueError(f"'condition' must be one of {', '.join(CONDITIONS)}.")
        offer = {
            "price": float(data["price"]),
            "shipping": float(data.get("shipping") or 0),
            "condition": condition,
            "seller_id": str(data.get("seller_id") or _seller_id(len(self.offers[asin]) + 7)),
            "fba": bool(data.get("fba", False)),
            "stock": None if data.get("stock") is None else int(data["stock"]),  # None: in stock, count unknown
            "pinned": bool(data.get("pinned", False)),  # True: the schedule leaves it alone
        }
        self.offers[asin].append(offer)
        return offer

    def control(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """`POST /amazon/_control/catalog`: {"items": [{... "offers": [...]}]} adds items with their offers;
        {"clear": true} empties the catalog first; {"sales_ranks": [...]} pins our own ASINs' ranks."""
        pinned = self.own_ranks.control(data["sales_ranks"]) if "sales_ranks" in data else []
        if data.get("clear"):
            self.items.clear()
            self.offers.clear()
        asins = []
        for entry in data.get("items") or []:
            asin = self.add_item(entry)
            for offer in entry.get("offers") or []:
                self.add_offer(asin, offer)
            asins.append(asin)
        return {"asins": asins, "items": len(self.items), **({"sales_ranks": pinned} if pinned else {})}

    def set_competitor(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """`POST /_control/competitor` (marketplace amazon): `item_id` (ASIN) with `rank`, and/or `seller_id` with
        `price`, `shipping`, `stock` (0 = out of stock: the offer leaves getItemOffers). A seller not yet on the
        item is added as a new competing offer (it needs a price). Whatever is set stays put (pinned)."""
        asin = str(data.get("item_id") or "")
        item = self.items.get(asin)
        if item is None:
            raise ValueError(f"No catalog item with ASIN {asin!r}.")
        price, shipping = number(dict(data), "price", minimum=0.01), number(dict(data), "shipping")
        stock, rank = number(dict(data), "stock", integer=True), number(dict(data), "rank", integer=True, minimum=1)
        if rank is not None:
            item["rank"], item["rank_pinned"] = int(rank), True
        seller = str(data.get("seller_id") or "")
        if not seller:
            if price is not None or stock is not None or shipping is not None:
                raise ValueError("'seller_id' is required to set a price, shipping or stock.")
            return {"item_id": asin, "rank": self.rank(item)}
        offer = next((o for o in self.offers[asin] if o["seller_id"] == seller), None)
        if offer is None:
            if price is None:
                raise ValueError(f"Seller {seller} has no offer on {asin}: send a 'price' to add one.")
            offer = self.add_offer(asin, {"price": price, "seller_id": seller, "fba": bool(data.get("fba", False))})
        for key, value in (("price", price), ("shipping", shipping)):
            if value is not None:
                offer[key] = float(value)
        if stock is not None:
            offer["stock"] = int(stock)
        offer["pinned"] = True
        return {"item_id": asin, "seller_id": seller, **self._live(asin, offer)}

    def _live(self, asin: str, offer: Mapping[str, Any]) -> dict[str, Any]:
        """An offer as it stands now: pinned offers as set, the others moved by the schedule."""
        key = f"{asin}:{offer['seller_id']}"
        pinned = offer.get("pinned")
        price = offer["price"] if pinned else self.schedule.price(key, offer["price"])
        stock = offer.get("stock")
        in_stock = (stock is None or stock > 0) and (pinned or self.schedule.in_stock(key))
        return {**offer, "price": price, "in_stock": in_stock}

    def rank(self, item: Mapping[str, Any]) -> int:
        base = item.get("rank") or int(item["asin"][2:6], 16) % 5000 + 1
        return int(base) if item.get("rank_pinned") else self.schedule.rank(item["asin"], int(base))

    # --- searchCatalogItems ---

    def search(
        self, args: Mapping[str, str], marketplace_id: str, own: Mapping[str, dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        identifiers = [p for p in args.get("identifiers", "").split(",") if p]
        keywords = [p.lower() for p in re.split(r"[,\s]+", args.get("keywords", "")) if p]
        if bool(identifiers) == bool(keywords):
            raise CatalogError(400, "InvalidInput", "Exactly one of 'identifiers' or 'keywords' is required.")
        if len(identifiers) > LIST_MAX or len(keywords) > LIST_MAX:
            raise CatalogError(400, "InvalidInput", f"At most {LIST_MAX} identifiers or keywords.")
        size_text = args.get("pageSize", "10")
        if not size_text.isdigit() or not 1 <= int(size_text) <= PAGE_MAX:
            raise CatalogError(400, "InvalidInput", f"'pageSize' must be 1-{PAGE_MAX}.")
        included = [p for p in args.get("includedData", "summaries").split(",") if p]
        if set(included) - set(INCLUDED_DATA):
            raise CatalogError(400, "InvalidInput", "Invalid 'includedData'.")
        if identifiers:
            kind = args.get("identifiersType", "")
            if kind not in IDENTIFIER_TYPES:
                raise CatalogError(400, "InvalidInput", "'identifiersType' is required with 'identifiers'.")
            items = {**self.items, **(own or {})}  # the seller's own items are found by ASIN too
            found = [i for i in items.values() if any(self._has(i, kind, value) for value in identifiers)]
        else:
            scored = []
            for item in self.items.values():
                words = set(re.findall(r"[a-z0-9-]+", f"{item['title']} {item['brand']} {item['model']}".lower()))
                hits = sum(1 for k in keywords if k in words)
                if hits and hits * 2 >= len(keywords):  # at least half the keywords appear
                    scored.append((-hits, item["asin"], item))
            found = [item for _, _, item in sorted(scored)]
        page = found[: int(size_text)]
        brands = sorted({i["brand"] for i in found if i["brand"]})
        return {
            "numberOfResults": len(found),
            "pagination": {},
            "refinements": {
                "brands": [{"numberOfResults": sum(1 for i in found if i["brand"] == b), "brandName": b}
                           for b in brands],
                "classifications": [],
            },
            "items": [self._view(i, marketplace_id, included) for i in page],
        }  # fmt: skip

    def _has(self, item: Mapping[str, Any], kind: str, value: str) -> bool:
        gtin = item["gtin"]
        if kind == "ASIN":
            return value == item["asin"]
        if kind in ("EAN", "JAN", "GTIN", "UPC"):
            return value.isdigit() and value.zfill(14) == gtin.zfill(14)
        return False

    def _view(self, item: Mapping[str, Any], marketplace_id: str, included: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {"asin": item["asin"]}
        browse = {"displayName": item["category"], "classificationId": item["category_id"]}
        if "summaries" in included:
            out["summaries"] = [{
                "marketplaceId": marketplace_id, "itemName": item["title"], "brand": item["brand"],
                "manufacturer": item["brand"], "modelNumber": item["model"], "partNumber": item["model"],
                "itemClassification": "BASE_PRODUCT", "browseClassification": browse, "adultProduct": False,
                "websiteDisplayGroup": "home_display_on_website", "websiteDisplayGroupName": "Home",
            }]  # fmt: skip
        if "identifiers" in included:
            gtin = item["gtin"]
            values = [
                {"identifierType": "EAN", "identifier": gtin},
                {"identifierType": "GTIN", "identifier": gtin.zfill(14)},
            ]
            if gtin.startswith("0"):
                values.append({"identifierType": "UPC", "identifier": gtin[1:]})
            out["identifiers"] = [{"marketplaceId": marketplace_id, "identifiers": values}]
        if "classifications" in included:
            out["classifications"] = [{"marketplaceId": marketplace_id, "classifications": [browse]}]
        if "salesRanks" in included and item.get("sales_ranks") is not None:
            out["salesRanks"] = [{"marketplaceId": marketplace_id, **item["sales_ranks"]}]
        elif "salesRanks" in included:
            rank = self.rank(item)
            out["salesRanks"] = [
                {
                    "marketplaceId": marketplace_id,
                    "classificationRanks": [
                        {
                            "classificationId": item["category_id"],
                            "title": item["category"],
                            "rank": rank,
                            "link": f"https://www.amazon.com/gp/bestsellers/{item['category_id']}",
                        }
                    ],
                    "displayGroupRanks": [],
                }
            ]
        if "images" in included:
            out["images"] = [
                {
                    "marketplaceId": marketplace_id,
                    "images": [
                        {"variant": "MAIN", "link": f"/amazon/static/{item['asin']}.png", "height": 1000, "width": 1000}
                    ],
                }
            ]
        for name in set(included) - {"summaries", "identifiers", "classifications", "salesRanks", "images"}:
            out[name] = []
        return out  # fmt: skip

    # --- getItemOffers ---

    def item_offers(self, asin: str, args: Mapping[str, str], marketplace_id: str) -> dict[str, Any]:
        condition = args.get("ItemCondition", "")
        if condition not in CONDITIONS:
            raise CatalogError(400, "InvalidInput", f"'ItemCondition' must be one of {', '.join(CONDITIONS)}.")
        customer = args.get("CustomerType", "Consumer")
        if customer not in ("Consumer", "Business"):
            raise CatalogError(400, "InvalidInput", "'CustomerType' must be Consumer or Business.")
        item = self.items.get(asin)
        if item is None:
            raise CatalogError(400, "InvalidInput", f"ASIN {asin} is not valid for marketplace {marketplace_id}.")
        currency = item["currency"]
        live = (self._live(asin, o) for o in self.offers.get(asin, []) if o["condition"] == condition)
        offers = sorted((o for o in live if o["in_stock"]), key=lambda o: o["price"] + o["shipping"])

        def money(amount: float) -> dict[str, Any]:
            return {"CurrencyCode": currency, "Amount": round(amount, 2)}

        def prices(offer: Mapping[str, Any]) -> dict[str, Any]:
            return {"LandedPrice": money(offer["price"] + offer["shipping"]), "ListingPrice": money(offer["price"]),
                    "Shipping": money(offer["shipping"])}  # fmt: skip

        winner = offers[0] if offers else None
        summary: dict[str, Any] = {
            "TotalOfferCount": len(offers),
            "NumberOfOffers": [
                {"condition": condition.lower(), "fulfillmentChannel": channel, "OfferCount": count}
                for channel, count in (("Amazon", sum(o["fba"] for o in offers)),
                                       ("Merchant", sum(not o["fba"] for o in offers))) if count
            ],
            "LowestPrices": [
                {"condition": condition.lower(), "fulfillmentChannel": "Amazon" if fba else "Merchant",
                 **prices(min(group, key=lambda o: o["price"] + o["shipping"]))}
                for fba in (True, False) if (group := [o for o in offers if o["fba"] == fba])
            ],
            "BuyBoxPrices": [{"condition": condition, **prices(winner), "sellerId": winner["seller_id"]}]
            if winner else [],
        }  # fmt: skip
        if item["list_price"] is not None:
            summary["ListPrice"] = money(item["list_price"])
        if offers:
            summary["CompetitivePriceThreshold"] = money(winner["price"] + winner["shipping"])  # type: ignore[index]
        result = {
            "ASIN": asin,
            "status": "Success",
            "ItemCondition": condition,
            "marketplaceId": marketplace_id,
            "Identifier": {"MarketplaceId": marketplace_id, "ASIN": asin, "ItemCondition": condition},
            "Summary": summary,
            "Offers": [
                {"SellerId": o["seller_id"], "SubCondition": condition.lower(), "ListingPrice": money(o["price"]),
                 "Shipping": money(o["shipping"]), "IsFulfilledByAmazon": o["fba"],
                 "IsBuyBoxWinner": o["seller_id"] == (winner or {}).get("seller_id"),
                 "IsFeaturedMerchant": True, "MyOffer": False,
                 "ShippingTime": {"minimumHours": 24, "maximumHours": 48, "availabilityType": "NOW"},
                 "ShipsFrom": {"Country": "US"}, "PrimeInformation": {"IsPrime": o["fba"], "IsNationalPrime": o["fba"]}}
                for o in offers[:20]
            ],
        }  # fmt: skip
        return {"payload": result}

    def get_item(
        self, asin: str, args: Mapping[str, str], marketplace_id: str, own: Mapping[str, dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """getCatalogItem: the Item (not wrapped in `payload`) with the requested datasets; 404 when unknown."""
        included = [p for p in args.get("includedData", "summaries").split(",") if p]
        if set(included) - set(INCLUDED_DATA):
            raise CatalogError(400, "InvalidInput", "Invalid 'includedData'.")
        item = self.items.get(asin) or (own or {}).get(asin)
        if item is None:
            raise CatalogError(404, "NotFound", f"Requested item '{asin}' not found")
        return self._view(item, marketplace_id, included)

    def route(self, path: str) -> tuple[str, str] | None:
        """("search", ""), ("item", asin) or ("offers", asin) for the paths served here; None for any other."""
        if path == CATALOG_SEARCH:
            return "search", ""
        item = CATALOG_ITEM.fullmatch(path)
        if item:
            return "item", item["asin"]
        match = ITEM_OFFERS.fullmatch(path)
        return ("offers", match["asin"]) if match else None


def serve(module: Any, req: Any) -> Any:
    """The Amazon module's entry for the catalog paths (None for any other path): the LWA access token names the
    seller, each operation has its own bucket (`<seller>:searchCatalogItems`, `<seller>:getItemOffers`), errors
    are `{"errors": [...]}` like the other SP-API calls. `module` is the AmazonModule (passed in, not imported)."""
    if req.path == CONTROL and req.method == "POST":
        try:
            return module._json(200, module.catalog.control(req.json()))
        except (ValueError, TypeError, KeyError) as exc:
            return module._json(400, {"error": str(exc)})
    route = module.catalog.route(req.path)
    if route is None:
        return None
    op, asin = route
    operation = {"search": "searchCatalogItems", "item": "getCatalogItem"}.get(op, "getItemOffers")
    rate_headers: dict[str, str] = {}
    try:
        if req.method != "GET":
            raise CatalogError(405, "MethodNotAllowed", f"{req.method} is not supported here.")
        seller = seller_of(module, req)
        req.log.update(shop_id=seller, op=operation)
        wait, rate_headers = module.operation_gate(f"{seller}:{operation}")
        if wait > 0:
            raise CatalogError(429, "QuotaExceeded", "You exceeded your quota for the requested resource.")
        marketplace = module.sellers[seller]["marketplace_id"]
        if op in ("search", "item"):
            ids = [p for p in req.arg("marketplaceIds").split(",") if p]
            if ids != [marketplace]:
                raise CatalogError(400, "InvalidInput", "'marketplaceIds' must be the seller's one marketplace.")
            own = own_items(module, seller, marketplace, "www.amazon.com")  # our listings, with today's ranks
            if op == "item":
                body = module.catalog.get_item(asin, req.args(), marketplace, own)
            else:
                body = module.catalog.search(req.args(), marketplace, own)
        else:
            if req.arg("MarketplaceId") != marketplace:
                raise CatalogError(400, "InvalidInput", "'MarketplaceId' must be the seller's marketplace.")
            body = module.catalog.item_offers(asin, req.args(), marketplace)
        return module._json(200, body, rate_headers)
    except CatalogError as exc:
        exc.details = ""  # type: ignore[attr-defined]
        return module._errors(exc, rate_headers)


def seller_of(module: Any, req: Any) -> str:
    """The seller named by the request's LWA access token (CatalogError 403 when missing, unknown or expired)."""
    denied = "Access to requested resource is denied."
    token = module.tokens.get("access", req.header("x-amz-access-token"))
    if token is None:
        detail = " The access token you provided is revoked, malformed or invalid."
        raise CatalogError(403, "Unauthorized", denied + detail)
    if module.tokens.expired(token):
        raise CatalogError(403, "Unauthorized", denied + " The access token you provided has expired.")
    return str(token.shop_id)
