"""Other shops' active Etsy listings: findAllListingsActive (`GET /v3/application/listings/active`) and
getListing on a listing of another shop (docs/sandbox.md#competitors, docs/competitors.md#etsy).

Seeded at every reset; prices and stock move on the sandbox clock (competition.py) unless set through
`POST /_control/competitor` (marketplace etsy, `item_id` = listing id, `price`, `stock`). Shapes are Etsy's
ShopListing with Money `{amount, divisor, currency_code}`; results are `{count, results}`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from typing import Any

from ..competition import Schedule, number

ACTIVE = re.compile(r"/v3/application/listings/active")
SORT_ON = ("created", "price", "updated", "score")
FIRST_LISTING_ID = 1_500_000_001
# (shop id, title, price, quantity, tags)
SEED: tuple[tuple[int, str, float, int, tuple[str, ...]], ...] = (
    (71000001, "Handmade Ceramic Coffee Mug, Speckled White, 350 ml", 28.00, 12, ("mug", "ceramic", "coffee")),
    (71000002, "Stoneware Coffee Mug with Handle, Matte Blue", 32.50, 5, ("mug", "stoneware", "coffee")),
    (71000003, "Set of 2 Handmade Coffee Mugs, Rustic Brown", 54.00, 3, ("mug", "set", "coffee")),
    (71000004, "Merino Wool Beanie, Hand Knitted, Grey", 39.00, 8, ("beanie", "wool", "knitted")),
    (71000005, "Chunky Knit Wool Beanie with Pompom", 34.00, 0, ("beanie", "knit", "pompom")),
    (71000006, "Leather Notebook Cover A5, Personalised", 45.00, 20, ("notebook", "leather", "a5")),
    (71000007, "Dotted A5 Notebook, Recycled Paper, Hardcover", 16.00, 40, ("notebook", "dotted", "a5")),
    (71000008, "Walnut Desk Lamp, Minimal LED", 120.00, 2, ("lamp", "desk", "walnut")),
)


class EtsyMarket:
    """Listings of shops other than the caller's; state of the Etsy module, reset with it."""

    def __init__(self, now: Callable[[], float] | None = None, seed: int = 0) -> None:
        self.now = now or time.time
        self.schedule = Schedule(self.now, seed)
        self.listings: dict[str, dict[str, Any]] = {}
        created = int(self.now())
        for n, (shop_id, title, price, quantity, tags) in enumerate(SEED):
            listing_id = FIRST_LISTING_ID + n
            self.listings[str(listing_id)] = {
                "listing_id": listing_id, "shop_id": shop_id, "user_id": shop_id + 5_000_000, "title": title,
                "description": title, "state": "active" if quantity else "sold_out", "quantity": quantity,
                "url": f"https://www.etsy.com/listing/{listing_id}/{_slug(title)}", "tags": list(tags),
                "price": {"amount": round(price * 100), "divisor": 100, "currency_code": "USD"},
                "creation_timestamp": created - n * 86400, "created_timestamp": created - n * 86400,
                "last_modified_timestamp": created, "updated_timestamp": created, "num_favorers": 10 * (n + 1),
                "listing_type": "physical", "who_made": "i_did", "when_made": "made_to_order", "views": 100 * (n + 1),
                "_pinned": False,
            }  # fmt: skip

    def view(self, listing: Mapping[str, Any]) -> dict[str, Any]:
        """The listing as it stands now (the schedule moves price and stock of listings not pinned)."""
        out: dict[str, Any] = {k: (dict(v) if isinstance(v, dict) else list(v) if isinstance(v, list) else v)
               for k, v in listing.items() if not k.startswith("_")}  # fmt: skip
        if not listing["_pinned"] and listing["state"] == "active":
            key = str(listing["listing_id"])
            base = listing["price"]["amount"] / listing["price"]["divisor"]
            out["price"]["amount"] = round(self.schedule.price(key, base) * listing["price"]["divisor"])
            if not self.schedule.in_stock(key):
                out["quantity"], out["state"] = 0, "sold_out"
        return out

    def get(self, listing_id: str) -> dict[str, Any] | None:
        listing = self.listings.get(listing_id)
        return None if listing is None else self.view(listing)

    def search(self, args: Mapping[str, str]) -> dict[str, Any]:
        """findAllListingsActive: keywords (every word in title or tags), min_price/max_price, sort_on, limit,
        offset. A bad parameter is a ValueError with Etsy's message."""
        limit_text, offset_text = args.get("limit", "25"), args.get("offset", "0")
        if not limit_text.isdigit() or not 1 <= int(limit_text) <= 100:
            raise ValueError("limit: must be an integer from 1 to 100")
        if not offset_text.isdigit():
            raise ValueError("offset: must be a non-negative integer")
        sort_on, sort_order = args.get("sort_on", "created"), args.get("sort_order", "desc")
        if sort_on not in SORT_ON or sort_order not in ("asc", "ascending", "desc", "descending", "up", "down"):
            raise ValueError(f"sort_on: one of {', '.join(SORT_ON)}; sort_order: asc or desc")
        bounds = []
        for name in ("min_price", "max_price"):
            text = args.get(name, "")
            try:
                bounds.append(float(text) if text else None)
            except ValueError:
                raise ValueError(f"{name}: must be a number") from None
        words = list(re.findall(r"[a-z0-9]+", args.get("keywords", "").lower()))
        found = []
        for listing in (self.view(x) for x in self.listings.values()):
            terms = set(re.findall(r"[a-z0-9]+", (listing["title"] + " " + " ".join(listing["tags"])).lower()))
            price = listing["price"]["amount"] / listing["price"]["divisor"]
            if listing["state"] != "active" or any(w not in terms and w.rstrip("s") not in terms for w in words):
                continue
            if (bounds[0] is not None and price < bounds[0]) or (bounds[1] is not None and price > bounds[1]):
                continue
            found.append(listing)
        keys = {
            "price": lambda x: x["price"]["amount"] / x["price"]["divisor"],
            "updated": lambda x: x["updated_timestamp"],
        }
        found.sort(
            key=keys.get(sort_on, lambda x: x["created_timestamp"]),
            reverse=sort_order in ("desc", "descending", "down"),
        )
        offset, limit = int(offset_text), int(limit_text)
        return {"count": len(found), "results": found[offset : offset + limit]}

    def set_competitor(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """`item_id` (listing id) with `price` and/or `stock` (0 = sold out); pins the listing. Etsy has no
        sales rank: a `rank` is refused."""
        listing = self.listings.get(str(data.get("item_id") or ""))
        if listing is None:
            raise ValueError(f"No listing of another shop with id {data.get('item_id')!r}.")
        if data.get("rank") is not None:
            raise ValueError("Etsy listings have no sales rank.")
        price, stock = number(dict(data), "price", minimum=0.2), number(dict(data), "stock", integer=True)
        if price is not None:
            listing["price"]["amount"] = round(float(price) * listing["price"]["divisor"])
        if stock is not None:
            listing["quantity"] = int(stock)
            listing["state"] = "active" if stock else "sold_out"
        listing["_pinned"] = True
        listing["updated_timestamp"] = listing["last_modified_timestamp"] = int(self.now())
        return self.view(listing)


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60]
