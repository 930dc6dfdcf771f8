"""Readiness: every reason a listing cannot (blocking) or should not yet (warning) go live on its channel.

Each rule is a small function over a `ReadinessContext`; `listing_readiness` runs them all in order. The rules
read the channel's editable rules (defaults: docs/marketplaces/<code>.md#listing-limits) and its category mapping.
"""

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from catalog.choices import ProductStatus
from catalog.models import Category, ProductImage
from catalog.selectors import metafield_required_keys
from channels.models import CategoryMapping
from channels.selectors import ChannelCategoryRules, category_is_allowed, category_mapping_resolve
from syncing.connectors.variations import family_problems

from . import content_rules
from .choices import ReadinessSeverity
from .effective import EffectiveValues, listing_effective_values
from .models import Listing

BLOCKING = ReadinessSeverity.BLOCKING.value
WARNING = ReadinessSeverity.WARNING.value


@dataclass(frozen=True)
class ReadinessIssue:
    """One reason: `code` for machines, `field` it concerns, `message` for people, `severity`."""

    code: str
    field: str
    message: str
    severity: str  # "blocking" | "warning"
    fix: str = ""  # how to resolve it, where the message alone does not say

    @property
    def is_blocking(self) -> bool:
        return self.severity == BLOCKING

    def as_dict(self) -> dict[str, str]:
        data = {"code": self.code, "field": self.field, "message": self.message, "severity": self.severity}
        if self.fix:
            data["fix"] = self.fix
        return data


@dataclass(frozen=True)
class ReadinessContext:
    listing: Listing
    values: EffectiveValues
    images: list[ProductImage]
    # Preloaded allowed categories and mappings of the channel (bulk refresh); None: ask the database.
    category_rules: ChannelCategoryRules | None = None
    category_names: Mapping[int, str] | None = None  # id -> 'A > B > C' (bulk refresh); None: ask the database
    required_metafields: tuple[str, ...] | None = None  # 'namespace.key' (bulk refresh); None: ask the database

    def category_full_name(self, category: Category) -> str:
        if self.category_names is not None and category.pk in self.category_names:
            return self.category_names[category.pk]
        return category.full_name

    def category_allowed(self, category: Category) -> bool:
        if self.category_rules is not None:
            return self.category_rules.is_allowed(category)
        return category_is_allowed(self.listing.channel, category)

    def category_mapping(self, category: Category) -> CategoryMapping | None:
        if self.category_rules is not None:
            return self.category_rules.resolve(category)
        return category_mapping_resolve(self.listing.channel, category)


Rule = Callable[[ReadinessContext], Iterator[ReadinessIssue]]


def _image_size(image: ProductImage) -> tuple[int, int]:
    meta: dict[str, Any] = image.metadata or {}
    return int(meta.get("width") or image.width or 0), int(meta.get("height") or image.height or 0)


def rule_product_active(ctx: ReadinessContext) -> Iterator[ReadinessIssue]:
    product = ctx.listing.product
    if product.status == ProductStatus.ARCHIVED:
        yield ReadinessIssue("product_archived", "product", f"Product {product.sku} is archived.", BLOCKING)
    elif product.status != ProductStatus.ACTIVE:
        yield ReadinessIssue(
            "product_not_active",
            "product",
            f"Product {product.sku} is {product.get_status_display().lower()}; activate it first.",
            BLOCKING,
        )


def rule_channel_active(ctx: ReadinessContext) -> Iterator[ReadinessIssue]:
    if not ctx.listing.channel.is_active:
        yield ReadinessIssue(
            "channel_inactive", "channel", f"Channel {ctx.listing.channel.name} is switched off.", BLOCKING
        )


def rule_title(ctx: ReadinessContext) -> Iterator[ReadinessIssue]:
    title = ctx.values.title.value.strip()
    limit = ctx.listing.channel.title_max_length
    if not title:
        yield ReadinessIssue("title_missing", "title", "The title is empty.", BLOCKING)
    elif len(title) > limit:
        channel = ctx.listing.channel
        over = len(title) - limit
        where = (
            "this listing's title override"
            if ctx.values.title.is_override
            else "the product title, or set a shorter title for this channel on the listing"
        )
        yield ReadinessIssue(
            "title_too_long",
            "title",
            f"Title has {len(title)} characters; {channel.get_marketplace_display()} (channel {channel.name}) "
            f"allows at most {limit}.",
            BLOCKING,
            fix=f"Shorten {where} by {over} character{'s' if over != 1 else ''} (to {limit} at most).",
        )


def rule_description(ctx: ReadinessContext) -> Iterator[ReadinessIssue]:
    if not (ctx.values.description.value or "").strip():
        yield ReadinessIssue("description_missing", "description", "The description is empty.", WARNING)


def rule_images(ctx: ReadinessContext) -> Iterator[ReadinessIssue]:
    channel, count = ctx.listing.channel, len(ctx.images)
    if count < channel.min_images:
        yield ReadinessIssue(
            "too_few_images",
            "images",
            f"{channel.name} needs at least {channel.min_images} image(s); the product has {count}.",
            BLOCKING,
        )
    if count > channel.max_images:
        yield ReadinessIssue(
            "too_many_images",
            "images",
            f"{channel.name} takes at most {channel.max_images} images; only the first {channel.max_images} "
            f"of {count} will be sent.",
            WARNING,
        )


def rule_main_image(ctx: ReadinessContext) -> Iterator[ReadinessIssue]:
    if not ctx.images:
        return
    channel, main = ctx.listing.channel, ctx.images[0]
    width, height = _image_size(main)
    if min(width, height) < channel.main_image_min_px:
        yield ReadinessIssue(
            "main_image_too_small",
            "images",
            f"The main image is {width}×{height} px; {channel.name} needs at least "
            f"{channel.main_image_min_px} px on the shorter side.",
            BLOCKING,
        )
    if channel.main_image_white_background:
        white = (main.metadata or {}).get("white_background")
        if white is None:
            yield ReadinessIssue(
                "main_image_background_unknown",
                "images",
                "The main image's background could not be checked; upload it again.",
                WARNING,
            )
        elif not white:
            yield ReadinessIssue(
                "main_image_not_white",
                "images",
                f"{channel.name} needs a pure white background on the main image.",
                BLOCKING,
            )


def rule_required_attributes(ctx: ReadinessContext) -> Iterator[ReadinessIssue]:
    attributes = ctx.listing.product.attributes or {}
    for code in ctx.listing.channel.required_attributes or []:
        value = attributes.get(code)
        if value is None or (isinstance(value, str) and not value.strip()):
            yield ReadinessIssue(
                "attribute_missing",
                f"attributes.{code}",
                f"{ctx.listing.channel.name} requires the attribute '{code}', which the product does not have.",
                BLOCKING,
            )


def rule_category(ctx: ReadinessContext) -> Iterator[ReadinessIssue]:
    channel, category = ctx.listing.channel, ctx.listing.product.category
    if category is None:
        yield ReadinessIssue("category_missing", "category", "The product has no category.", BLOCKING)
        return
    if not ctx.category_allowed(category):
        yield ReadinessIssue(
            "category_not_allowed",
            "category",
            f"{channel.name} does not allow products in '{ctx.category_full_name(category)}'.",
            BLOCKING,
        )
    if ctx.category_mapping(category) is None:
        yield ReadinessIssue(
            "category_not_mapped",
            "category",
            f"Category '{ctx.category_full_name(category)}' has no mapped {channel.connector_class.label} category "
            f"on {channel.name}.",
            BLOCKING,
        )


def rule_price(ctx: ReadinessContext) -> Iterator[ReadinessIssue]:
    price, product, channel = ctx.values.price.value, ctx.listing.product, ctx.listing.channel
    if price <= 0:
        yield ReadinessIssue("price_not_positive", "price", f"The price is {price}; it must be above 0.", BLOCKING)
        return
    if product.currency != channel.currency and channel.price_currency_rate == 1 and not ctx.values.price.is_override:
        yield ReadinessIssue(
            "currency_not_converted",
            "price",
            f"Product prices are in {product.currency} but {channel.name} sells in {channel.currency}, "
            "and the channel has no currency rate.",
            WARNING,
        )
    elif (
        product.cost_price is not None
        and product.currency == channel.currency
        and channel.price_currency_rate == 1
        and price < product.cost_price
    ):
        yield ReadinessIssue(
            "price_below_cost", "price", f"The price {price} is below the cost price {product.cost_price}.", WARNING
        )


def rule_quantity(ctx: ReadinessContext) -> Iterator[ReadinessIssue]:
    if ctx.values.quantity.value <= 0:
        yield ReadinessIssue("out_of_stock", "quantity", "Quantity on this channel is 0.", WARNING)


FIELD_LABELS = {
    "weight_grams": "package weight",
    "length_mm": "package length",
    "width_mm": "package width",
    "height_mm": "package height",
    "description": "description",
    "brand": "brand",
    "barcode": "barcode",
}


def _field_value(ctx: ReadinessContext, name: str) -> Any:
    if name == "description":
        return (ctx.values.description.value or "").strip()
    return getattr(ctx.listing.product, name, None)


def rule_marketplace_fields(ctx: ReadinessContext) -> Iterator[ReadinessIssue]:
    """What the marketplace requires on a create beyond the channel's editable rules (its connector's
    ListingRules; docs/marketplaces/<code>.md#mandatory-fields)."""
    channel = ctx.listing.channel
    rules = channel.connector_class.default_rules
    market = channel.connector_class.label
    for name in rules.required_fields:
        value = _field_value(ctx, name)
        if value in (None, "") or (isinstance(value, int | float) and value <= 0):
            label = FIELD_LABELS.get(name, name)
            yield ReadinessIssue(
                f"{name}_missing", name, f"{market} requires the {label}; the product has none.", BLOCKING
            )
    yield from _marketplace_text_limits(ctx, rules, market)
    weight = ctx.listing.product.weight_grams
    if rules.weight_max_grams is not None and weight is not None and weight > rules.weight_max_grams:
        yield ReadinessIssue(
            "weight_too_heavy",
            "weight_grams",
            f"{market} takes packages up to {rules.weight_max_grams / 1000:g} kg; "
            f"this one weighs {weight / 1000:g} kg.",
            BLOCKING,
        )
    quantity = ctx.values.quantity.value
    if not ctx.listing.external_id and quantity < rules.create_quantity_min:
        yield ReadinessIssue(
            "quantity_too_low_to_create",
            "quantity",
            f"{market} creates an item only with stock of at least {rules.create_quantity_min}; "
            f"the quantity on {channel.name} is {quantity}.",
            BLOCKING,
        )


# Readiness codes of a family the marketplace would refuse: the listing page offers "List each variant separately"
# beside them (listings.services.listing_variants_split).
FAMILY_CODES = frozenset(
    {
        "variants_unsupported",
        "variant_options_missing",
        "variant_option_value_missing",
        "variant_options_duplicate",
        "variation_theme_not_allowed",
        "variation_too_many_options",
        "variation_too_many_variants",
        "variation_too_many_values",
        "variation_name_too_long",
        "variation_value_too_long",
    }
)


def rule_variation_family(ctx: ReadinessContext) -> Iterator[ReadinessIssue]:
    """A product-level listing of a product with variants is a variation family: say now what the marketplace
    would refuse about it (docs/marketplaces/<code>.md#variation-families)."""
    if ctx.listing.variant_id is not None:
        return
    variants = list(ctx.listing.product.variants.all())
    if not variants:
        return
    connector = ctx.listing.channel.connector_class
    market, rules = connector.label, connector.default_rules
    if not rules.variants_supported:
        yield ReadinessIssue(
            "variants_unsupported",
            "variants",
            f"{market} listings are one variant each here: list each variant of {ctx.listing.product.sku} "
            "as its own listing.",
            BLOCKING,
        )
        return
    category = ctx.listing.product.category
    mapping = ctx.category_mapping(category) if category is not None else None
    product_type = mapping.external_category_id if mapping is not None else ""
    family = [(v.sku, {str(k): str(val) for k, val in (v.options or {}).items()}) for v in variants]
    for problem in family_problems(rules, family, product_type=product_type):
        yield ReadinessIssue(problem.code, "variants", f"{market}: {problem.message}", BLOCKING)


def _marketplace_text_limits(ctx: ReadinessContext, rules: Any, market: str) -> Iterator[ReadinessIssue]:
    title = ctx.values.title.value.strip()
    country = (ctx.listing.channel.country or "").upper()
    if title and len(title) < rules.title_min_length and country not in rules.title_min_exempt_countries:
        yield ReadinessIssue(
            "title_too_short",
            "title",
            f"Title has {len(title)} characters; {market} in {country or 'this country'} needs at least "
            f"{rules.title_min_length}.",
            BLOCKING,
        )
    description = (ctx.values.description.value or "").strip()
    if description and len(description) < rules.description_min_length:
        yield ReadinessIssue(
            "description_too_short",
            "description",
            f"Description has {len(description)} characters; {market} needs at least {rules.description_min_length}.",
            BLOCKING,
        )
    limit = rules.description_max_length
    if limit is not None and len(ctx.values.description.value or "") > limit:
        yield ReadinessIssue(
            "description_too_long",
            "description",
            f"Description has {len(ctx.values.description.value or '')} characters; {market} allows at most {limit}.",
            BLOCKING,
        )


# Marketplaces whose published content rules apply (docs/marketplaces/amazon.md#listing-limits).
AMAZON_CONTENT_RULES = frozenset({"amazon"})


def rule_amazon_content(ctx: ReadinessContext) -> Iterator[ReadinessIssue]:
    """Amazon's title rules, bullet points and search-term bytes, each naming the rule broken and the fix."""
    if ctx.listing.channel.connector_class.code not in AMAZON_CONTENT_RULES:
        return
    title = ctx.values.title.value.strip()
    for code, message, fix in content_rules.title_findings(title):
        yield ReadinessIssue(code, "title", message, BLOCKING, fix)
    caps = content_rules.title_caps_words(title)
    if caps:
        yield ReadinessIssue(
            "title_all_caps",
            "title",
            f"The title has words in capitals ({', '.join(caps)}); Amazon asks for capitals only on known acronyms.",
            WARNING,
            "Write these words in title case.",
        )
    for code, message, fix, blocking in content_rules.bullet_findings(ctx.values.bullet_points.value):
        yield ReadinessIssue(code, "bullet_points", message, BLOCKING if blocking else WARNING, fix)
    finding = content_rules.search_terms_finding(ctx.values.search_terms.value)
    if finding:
        yield ReadinessIssue(finding[0], "search_terms", finding[1], BLOCKING, finding[2])


METAFIELD_MARKETPLACES = frozenset({"shopify"})  # metafields are Shopify's (docs/catalog.md#metafields)


def rule_required_metafields(ctx: ReadinessContext) -> Iterator[ReadinessIssue]:
    if ctx.listing.channel.connector_class.code not in METAFIELD_MARKETPLACES:
        return
    required = ctx.required_metafields if ctx.required_metafields is not None else metafield_required_keys()
    values = ctx.listing.product.metafields or {}
    for key in required:
        if values.get(key) in (None, ""):
            yield ReadinessIssue(
                "metafield_missing",
                f"metafields.{key}",
                f"The required metafield '{key}' has no value on the product.",
                BLOCKING,
                f"Fill '{key}' on the product (form, API or an 'mf:{key}' import column).",
            )


RULES: tuple[Rule, ...] = (
    rule_product_active,
    rule_channel_active,
    rule_title,
    rule_description,
    rule_images,
    rule_main_image,
    rule_required_attributes,
    rule_category,
    rule_price,
    rule_quantity,
    rule_marketplace_fields,
    rule_variation_family,
    rule_amazon_content,
    rule_required_metafields,
)


def listing_readiness(
    listing: Listing,
    *,
    category_rules: ChannelCategoryRules | None = None,
    category_names: Mapping[int, str] | None = None,
    required_metafields: tuple[str, ...] | None = None,
) -> list[ReadinessIssue]:
    """Every readiness issue of `listing` on its channel, blocking ones first.

    `category_rules` (`channels.selectors.channel_category_rules`) and `category_names`
    (`catalog.selectors.category_full_names`) save the per-listing category queries when many listings are checked
    together (listings_readiness_refresh).
    """
    context = ReadinessContext(
        listing=listing,
        values=listing_effective_values(listing),
        images=list(listing.product.images.all()),
        category_rules=category_rules,
        category_names=category_names,
        required_metafields=required_metafields,
    )
    issues = [issue for rule in RULES for issue in rule(context)]
    return sorted(issues, key=lambda issue: 0 if issue.is_blocking else 1)
