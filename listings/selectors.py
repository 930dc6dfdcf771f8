"""Reads about listings: lists with the joins every caller needs, and the payload the sync engine sends."""

import dataclasses
import hashlib
import json
import os
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import urljoin

from django.conf import settings
from django.db.models import QuerySet
from django.utils.text import slugify

from catalog.models import CategoryIcon, Product, ProductImage
from catalog.selectors import category_icon_nearest, metafield_payload_values, variant_metafield_definitions
from channels.models import CategoryMapping, Channel
from channels.selectors import AttributeValueMap, attribute_value_map, category_mapping_resolve
from syncing.connectors.base import ListingPayload, MetafieldPayload, VariantPayload

from .choices import ChangesetKind, ListingStatus
from .effective import listing_effective_values, variant_offer
from .models import Changeset, ChangesetListing, ChangesetValue, Listing, ListingVersion, ProductVersion
from .versions import (
    LISTING_CONTENT_FIELDS,
    PRODUCT_CONTENT_FIELDS,
    FieldDiff,
    content_diff,
    listing_effective_content,
)

ImageUrl = Callable[[ProductImage | CategoryIcon], str]


def _default_image_url(image: ProductImage | CategoryIcon) -> str:
    return image.image.url


def listing_list(
    *, channel_id: int | None = None, status: str | None = None, product_id: int | None = None
) -> QuerySet[Listing]:
    listings = Listing.objects.select_related("product", "variant", "channel")
    if channel_id is not None:
        listings = listings.filter(channel_id=channel_id)
    if status:
        listings = listings.filter(status=status)
    if product_id is not None:
        listings = listings.filter(product_id=product_id)
    return listings


def listing_get_for_sync(pk: int) -> Listing:
    """One listing with everything payload building and readiness read, in a few queries."""
    return (
        Listing.objects.select_related("product", "product__category", "variant", "channel")
        .prefetch_related("product__images", "product__variants")
        .get(pk=pk)
    )


def _map_values(values: Mapping[str, Any], mapping: AttributeValueMap) -> dict[str, str]:
    """Our attribute/option values in the marketplace's spelling (unmapped values pass through unchanged)."""
    mapped: dict[str, str] = {}
    for name, value in values.items():
        if value is None or value == "":
            continue
        text = str(value).lower() if isinstance(value, bool) else str(value)
        mapped[str(name)] = mapping.get((str(name).strip().lower(), text), text)
    return mapped


COLLECTION_MARKETPLACES = frozenset({"shopify"})  # a mapped category is a collection there


def _collection(
    channel: Channel, product: Product, mapping: CategoryMapping | None, image_url: ImageUrl
) -> dict[str, str]:
    """The collection a Shopify product joins: its mapped category, titled by the mapping's name (or ours), with
    the active icon of the product's category or of its nearest ancestor that has one as its image."""
    if mapping is None or product.category is None or channel.connector_class.code not in COLLECTION_MARKETPLACES:
        return {}
    title = mapping.external_category_name or product.category.name
    found = {"collection_title": title, "collection_handle": slugify(title)[:255]}
    icon = category_icon_nearest(product.category)
    if icon is not None:
        found["collection_image_url"] = image_url(icon)
    return found


def listing_payload_build(listing: Listing, *, image_url: ImageUrl = _default_image_url) -> ListingPayload:
    """The connector payload of a listing: effective values, mapped category and attribute values, variants.

    `image_url` turns an image into the absolute URL the marketplace downloads (the sync engine passes one
    built from the site's public address). At most the channel's `max_images` images are sent, main first.
    """
    product, channel = listing.product, listing.channel
    values = listing_effective_values(listing)
    mapping = attribute_value_map(channel)
    category = category_mapping_resolve(channel, product.category)
    images = list(product.images.all())[: channel.max_images]
    variant = listing.variant if listing.variant_id else None
    attributes = _map_values(product.attributes or {}, mapping)
    if variant is not None:
        attributes |= _map_values(variant.options or {}, mapping)
    variants: list[VariantPayload] = []
    if variant is None:
        items = list(product.variants.all())
        definitions = variant_metafield_definitions() if any(item.metafields for item in items) else []
        for item in items:
            price, compare, quantity = variant_offer(listing, item)
            variants.append(
                VariantPayload(
                    sku=item.sku,
                    price=price,
                    quantity=quantity,
                    options=_map_values(item.options or {}, mapping),
                    barcode=item.barcode,
                    compare_at_price=compare,
                    metafields=tuple(
                        MetafieldPayload(*values)
                        for values in metafield_payload_values(item.metafields or {}, "variant", definitions)
                    ),
                )
            )
    return ListingPayload(
        sku=variant.sku if variant is not None else product.sku,
        title=values.title.value,
        description=values.description.value or "",
        price=values.price.value,
        currency=channel.currency,
        quantity=values.quantity.value,
        external_id=listing.external_id,
        brand=product.brand,
        barcode=(variant.barcode if variant is not None and variant.barcode else product.barcode),
        category_id=category.external_category_id if category else "",
        image_urls=tuple(image_url(image) for image in images),
        image_alts=tuple(image.alt_text for image in images),
        attributes=attributes,
        variants=tuple(variants),
        compare_at_price=values.compare_at_price.value,
        weight_grams=product.weight_grams,
        length_mm=product.length_mm,
        width_mm=product.width_mm,
        height_mm=product.height_mm,
        bullet_points=values.bullet_points.value,
        search_terms=values.search_terms.value,
        short_description=values.short_description.value,
        seo_title=values.seo_title.value,
        seo_description=values.seo_description.value,
        handle=product.handle,
        manufacturer=product.manufacturer,
        model_number=product.model_number,
        part_number=product.mpn,
        **_collection(channel, product, category, image_url),
        metafields=tuple(
            MetafieldPayload(namespace, key, kind, value)
            for namespace, key, kind, value in metafield_payload_values(product.metafields or {}, "product")
        ),
    )


# Payload fields added with the content fields (docs/catalog.md#content); left out of the hash when empty.
CONTENT_PAYLOAD_FIELDS = (
    "bullet_points",
    "search_terms",
    "short_description",
    "seo_title",
    "seo_description",
    "handle",
    "manufacturer",
    "model_number",
    "part_number",
    "metafields",
    "collection_title",
    "collection_handle",
    "collection_image_url",
)


def _json_default(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    raise TypeError(f"cannot hash {type(value).__name__}")


def listing_payload_hash(payload: ListingPayload) -> str:
    """Stable sha256 of a payload's content, for 'did anything change since the last push?'.

    `external_id` is left out: it is set by the first push and is not content, so a created listing does not
    look changed afterwards. Keys are sorted and decimals written canonically (19.9 and 19.90 hash the same).
    """
    data = dataclasses.asdict(payload)
    data.pop("external_id", None)
    for row in data.get("variants") or ():
        if not row.get("metafields"):
            row.pop("metafields", None)  # no variant metafields: the same hash as before they were sent
    if not any(data.get("image_alts") or ()):
        data.pop("image_alts", None)  # no alt text: the same hash as before alt texts were sent
    for name in CONTENT_PAYLOAD_FIELDS:
        if not data.get(name):
            data.pop(name, None)  # no content: the same hash as before content fields were sent
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=_json_default, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:8000"
PACKAGE_FIELDS = ("weight_grams", "length_mm", "width_mm", "height_mm")


def public_base_url() -> str:
    """Where marketplaces download our images from (setting PUBLIC_BASE_URL, env of the same name)."""
    return str(getattr(settings, "PUBLIC_BASE_URL", "") or os.environ.get("PUBLIC_BASE_URL", DEFAULT_PUBLIC_BASE_URL))


def listing_marketplace_payload(listing: Listing) -> ListingPayload:
    """The payload the sync engine sends: image URLs made absolute (marketplaces fetch them from outside)."""
    base = public_base_url()

    def image_url(image: ProductImage | CategoryIcon) -> str:
        return urljoin(base, image.image.url)

    payload = listing_payload_build(listing, image_url=image_url)
    # Package dimensions joined ListingPayload after the payload builder was written; fill the ones it left
    # empty from the product so marketplaces that require them (Lazada) get them.
    missing = {
        name: getattr(listing.product, name)
        for name in PACKAGE_FIELDS
        if hasattr(payload, name) and getattr(payload, name) is None and getattr(listing.product, name, None)
    }
    return dataclasses.replace(payload, **missing) if missing else payload


def listing_marketplace_payload_hash(listing: Listing) -> str:
    """The hash `last_pushed_hash` is compared with: has anything the marketplace sees changed?"""
    return listing_payload_hash(listing_marketplace_payload(listing))


def listings_with_payload_inputs(listings: QuerySet[Listing]) -> QuerySet[Listing]:
    """`listings` with everything a payload reads joined or prefetched (a few queries however many)."""
    return listings.select_related("product", "product__category", "variant", "channel").prefetch_related(
        "product__images", "product__variants"
    )


# --- Content versions (docs/catalog.md#versions) ---


def product_versions(product: Any) -> QuerySet[ProductVersion]:
    """A product's versions, newest first, with what the history page shows (constant queries)."""
    return ProductVersion.objects.filter(product=product).select_related("created_by").order_by("-version_number")


def listing_versions(listing: Any) -> QuerySet[ListingVersion]:
    """A listing's versions, newest first, with their product versions' snapshots (constant queries)."""
    return (
        ListingVersion.objects.filter(listing=listing)
        .select_related("created_by", "product_version")
        .order_by("-version_number")
    )


def listing_version_content(version: ListingVersion) -> dict[str, Any]:
    """The full content a listing showed at this version."""
    return listing_effective_content(version.product_version.snapshot, version.overrides)


def version_content(version: ProductVersion | ListingVersion) -> dict[str, Any]:
    if isinstance(version, ListingVersion):
        return listing_version_content(version)
    return dict(version.snapshot)


def version_diff(
    older: ProductVersion | ListingVersion | None, newer: ProductVersion | ListingVersion
) -> list[FieldDiff]:
    """Field-by-field differences from `older` (None: from nothing) to `newer`."""
    fields = LISTING_CONTENT_FIELDS if isinstance(newer, ListingVersion) else PRODUCT_CONTENT_FIELDS
    return content_diff(version_content(older) if older is not None else None, version_content(newer), fields)


# A listing in one of these with an external id is held by its marketplace (paused there included); one queued or
# publishing is on its way there (the same sets as listings/state.py, which selectors may not import).
UNDO_HELD_STATUSES = frozenset(
    {ListingStatus.IN_REVIEW, ListingStatus.LIVE, ListingStatus.ERROR, ListingStatus.OUT_OF_SYNC}
    | {ListingStatus.SUPPRESSED, ListingStatus.PAUSED, ListingStatus.QUEUED, ListingStatus.PUBLISHING}
)
UNDO_IN_FLIGHT_STATUSES = frozenset({ListingStatus.QUEUED, ListingStatus.PUBLISHING})


@dataclasses.dataclass
class ChangesetUndoPlan:
    """What undoing a bulk publish or a bulk assign will do (docs/catalog.md#undoing-publishes-and-assignments):
    the listings it acts on (`delist` or `delete`), those it leaves and why, and those that stop it (still on
    their way to the marketplace). The confirmation step shows `summary`; the undo acts on the same plan."""

    action: str
    targets: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    left: list[str] = dataclasses.field(default_factory=list)
    blocking: list[str] = dataclasses.field(default_factory=list)

    @property
    def summary(self) -> str:
        if self.action == "delete":
            what = f"deletes {len(self.targets)} draft listing(s) this bulk assign created (none is on a marketplace)"
        else:
            what = f"delists {len(self.targets)} listing(s) this bulk publish put on their marketplaces"
        left = f"; {len(self.left)} left as they are (named)" if self.left else ""
        return f"Undo {what}{left}."


UNDO_ACTIONS = {ChangesetKind.BULK_ASSIGN: "delete", ChangesetKind.BULK_PUBLISH: "delist"}


def changeset_undo_plan(changeset: Changeset) -> ChangesetUndoPlan:
    """The plan of a bulk publish's or bulk assign's undo, from its recorded listings (two queries)."""
    action = UNDO_ACTIONS[ChangesetKind(changeset.kind)]
    plan = ChangesetUndoPlan(action=action)
    items = list(ChangesetListing.objects.filter(changeset=changeset).values_list("listing_id", "previous_status"))
    gone = sum(1 for listing_id, _ in items if listing_id is None)
    rows = Listing.objects.filter(pk__in=[pk for pk, _ in items if pk is not None]).order_by("pk")
    fields = ("pk", "channel_id", "status", "external_id", "product__sku", "channel__name")
    before = dict(items)
    for row in rows.values(*fields):
        name = f"{row['product__sku']} on {row['channel__name']}"
        status = ListingStatus(row["status"]).label
        on_marketplace = bool(row["external_id"]) and row["status"] in UNDO_HELD_STATUSES
        if action == "delete":
            if row["status"] in UNDO_IN_FLIGHT_STATUSES or on_marketplace:
                plan.left.append(f"{name}: published since ({status}); delist it first")
            else:
                plan.targets.append(row)
        elif before.get(row["pk"]):  # its status then, recorded only when the marketplace held it
            plan.left.append(f"{name}: was on the marketplace before this publish; left {status}")
        elif row["status"] in UNDO_IN_FLIGHT_STATUSES:
            plan.blocking.append(f"{name}: still being published ({status})")
        elif not row["external_id"] or row["status"] == ListingStatus.DELISTED:
            plan.left.append(f"{name}: not on the marketplace ({status}); nothing to delist")
        else:
            plan.targets.append(row)
    if gone:
        plan.left.append(f"{gone} listing(s) deleted since")
    return plan


def changeset_channel_ids(changeset: Changeset) -> set[int]:
    """The channels whose listings a changeset touched (bulk publish or assign rows, grid values of listings,
    listing content versions): undoing it acts on those channels (docs/catalog.md#undoing-publishes-and-assignments).
    Three reads; product-level changes belong to no channel."""
    ids: set[int] = set()
    for model in (ChangesetListing, ChangesetValue, ListingVersion):
        rows = model.objects.filter(changeset=changeset, listing__isnull=False)  # type: ignore[attr-defined]
        ids.update(rows.values_list("listing__channel_id", flat=True).distinct())
    return ids
