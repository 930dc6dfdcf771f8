"""Demo channels for `seed_demo`: one active channel per marketplace on the local sandbox, category mappings for
the demo category tree, and a sample of demo products assigned to each. Running it again changes nothing.
"""

import re
from decimal import Decimal
from typing import Any

from django.conf import settings

from catalog.choices import ProductStatus
from catalog.demo import TREE
from catalog.models import Category, Product
from channels.choices import ChannelConflictPolicy
from common.actors import Actor as User
from listings.services import listings_bulk_assign
from syncing.sandbox.demo import DEMO_ACCOUNTS, demo_channel_account

from .models import CategoryMapping, Channel
from .services import category_mappings_bulk_set, channel_create

DEMO_IMAGE_PX = 450  # catalog.demo draws 480 px images; Amazon keeps its 1000 px rule to show a blocked listing

# code: (name, country, currency, language, channel rule overrides)
DEMO_CHANNELS: dict[str, tuple[str, str, str, str, dict[str, Any]]] = {
    "shopify": ("Shopify US", "US", "USD", "en", {"main_image_min_px": DEMO_IMAGE_PX}),
    "lazada": (
        "Lazada MY",
        "MY",
        "MYR",
        "en",
        {
            "main_image_min_px": DEMO_IMAGE_PX,
            "price_currency_rate": Decimal("4.40"),
            "price_rounding_ending": Decimal("0.90"),
        },
    ),
    "shopee": (
        "Shopee MY",
        "MY",
        "MYR",
        "en",
        {
            "main_image_min_px": DEMO_IMAGE_PX,
            "price_currency_rate": Decimal("4.40"),
            "price_adjust_type": "percent",
            "price_adjust_value": Decimal("5"),
            "price_rounding_ending": Decimal("0.90"),
            "stock_buffer": 2,
        },
    ),
    "tiktok": (
        "TikTok Shop TH",
        "TH",
        "THB",
        "th",
        {
            "main_image_min_px": DEMO_IMAGE_PX,
            "price_currency_rate": Decimal("34"),
            "price_rounding_ending": Decimal("0.00"),
        },
    ),
    # seed 002: on Etsy the marketplace wins a conflict (docs/sync.md#drift-and-conflicts)
    "etsy": (
        "Etsy US",
        "US",
        "USD",
        "en",
        {"main_image_min_px": DEMO_IMAGE_PX, "stock_percent": 50, "conflict_policy": ChannelConflictPolicy.REMOTE_WINS},
    ),
    "amazon": ("Amazon US", "US", "USD", "en", {"price_adjust_type": "percent", "price_adjust_value": Decimal("8")}),
}


def demo_category_id(marketplace: str, index: int, name: str) -> str:
    """A plausible leaf category id in each marketplace's format (the sandbox refuses its parent ids)."""
    if marketplace == "shopify":
        return f"gid://shopify/TaxonomyCategory/lm-{index}"
    if marketplace == "amazon":
        return re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_")  # productType, e.g. T_SHIRTS
    base = {"lazada": 10_001_000, "shopee": 100_100, "tiktok": 601_000, "etsy": 1_000}[marketplace]
    return str(base + index)


def _demo_leaves() -> list[Category]:
    leaves = []
    for root_name, children in TREE.items():
        for mid_name, leaf_names in children.items():
            leaves += list(
                Category.objects.filter(
                    parent__parent__parent=None,
                    parent__parent__name=root_name,
                    parent__name=mid_name,
                    name__in=leaf_names,
                ).order_by("path")
            )
    return leaves


def _channel(code: str, user: User) -> Channel:
    name, country, currency, language, rules = DEMO_CHANNELS[code]
    existing = Channel.objects.filter(name=name).first()
    if existing is not None:
        return existing  # keep whatever an operator changed since
    account = demo_channel_account(code)
    return channel_create(
        name=name,
        marketplace=code,
        country=country,
        currency=currency,
        language=language,
        base_url=f"{settings.SANDBOX_URL.rstrip('/')}/{code}",
        shop_id=str(account["shop_id"]),
        credentials=dict(account["credentials"]),  # type: ignore[call-overload]
        user=user,
        **rules,
    )


def seed_demo_channels(user: User = None, *, products_per_channel: int = 60) -> dict[str, int]:
    """Create the demo channels, map the demo leaf categories and assign the first active demo products."""
    leaves = _demo_leaves()
    sample = list(
        Product.objects.filter(sku__startswith="DEMO-", status=ProductStatus.ACTIVE)
        .order_by("sku")
        .values_list("pk", flat=True)[:products_per_channel]
    )
    counts = {"channels": 0, "mappings": 0, "listings": 0}
    for code in DEMO_CHANNELS:
        if code not in DEMO_ACCOUNTS:
            continue
        channel = _channel(code, user)
        counts["channels"] += 1
        mapped = set(CategoryMapping.objects.filter(channel=channel).values_list("category_id", flat=True))
        missing = [
            (leaf, demo_category_id(code, index, leaf.name), leaf.name)
            for index, leaf in enumerate(leaves, start=1)
            if leaf.pk not in mapped
        ]
        if missing:
            counts["mappings"] += category_mappings_bulk_set(channel=channel, mappings=missing, user=user)["created"]
        if sample:
            counts["listings"] += listings_bulk_assign(products=sample, channels=[channel], user=user)["created"]
    return counts
