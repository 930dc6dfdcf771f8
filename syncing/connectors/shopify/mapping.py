"""Pure mapping between our listing dataclasses and Shopify GraphQL inputs/objects.

Facts: docs/marketplaces/shopify.md#endpoints.
"""

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from ..base import ListingPayload, MetafieldPayload, RemoteListing, VariantPayload, remote_time, status_lookup

# Shopify ProductStatus -> normalised status (docs/marketplaces/shopify.md#remote-status); no review, no suppression.
STATUS = {"ACTIVE": "live", "DRAFT": "inactive", "ARCHIVED": "inactive"}
ALT_MAX = 512  # CreateMediaInput.alt: Shopify keeps up to 512 characters (docs/marketplaces/shopify.md)
# Shopify input field names (last non-numeric element of userErrors.field) -> our field names.
FIELDS = {
    "title": "title",
    "descriptionHtml": "description",
    "vendor": "brand",
    "productType": "category_id",
    "tags": "attributes",
    "media": "images",
    "originalSource": "images",
    "price": "price",
    "compareAtPrice": "compare_at_price",
    "sku": "sku",
    "barcode": "barcode",
    "quantity": "quantity",
    "productOptions": "variants",
    "optionValues": "variants",
    "variants": "variants",
    "id": "external_id",
    "productId": "external_id",
    "seo": "seo_title",
    "handle": "handle",
    "metafields": "metafields",
}

PRODUCT_FIELDS = (
    "id title status handle updatedAt totalInventory onlineStoreUrl variants(first: 250) { nodes {"
    " id sku price compareAtPrice inventoryQuantity inventoryItem { id } selectedOptions { name value } } }"
)


def field_errors(user_errors: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    """Our field name -> messages for GraphQL `userErrors`."""
    out: dict[str, list[str]] = {}
    for error in user_errors:
        path = [str(p) for p in error.get("field") or [] if not str(p).isdigit()]
        name = FIELDS.get(path[-1], path[-1]) if path else "__all__"
        if "metafields" in path:
            name = "metafields"  # ["metafields", "0", "value"]: the error is about one of our metafields
        out.setdefault(name, []).append(str(error.get("message") or "invalid"))
    return out


def error_index(error: Mapping[str, Any], array: str) -> int | None:
    """The array index a userError points at (e.g. ["input", "quantities", "2", "quantity"] -> 2)."""
    path = [str(p) for p in error.get("field") or []]
    if array in path:
        position = path.index(array) + 1
        if position < len(path) and path[position].isdigit():
            return int(path[position])
    return None


def product_input(payload: ListingPayload, *, status: str = "ACTIVE") -> dict[str, Any]:
    data: dict[str, Any] = {"title": payload.title, "descriptionHtml": payload.description, "status": status}
    if payload.brand:
        data["vendor"] = payload.brand
    if payload.category_id:
        data["productType"] = payload.category_id
    data |= content_input(payload)
    if payload.external_id:
        data["id"] = payload.external_id
    else:
        # Our SKU as a tag from the first call on: a create whose answer was lost can still be found by SKU
        # (the variant SKUs are only set by the follow-up mutations).
        data["tags"] = [sku_tag(payload.sku)]
    if not payload.external_id and payload.variants and payload.variants[0].options:
        names = list(payload.variants[0].options)
        data["productOptions"] = [
            {
                "name": name,
                "values": [
                    {"name": value} for value in dict.fromkeys(v.options.get(name, "") for v in payload.variants)
                ],
            }
            for name in names
        ]
    return data


def content_input(payload: ListingPayload) -> dict[str, Any]:
    """SEO title/description (`seo: SEOInput`) and URL `handle` of ProductCreateInput/ProductUpdateInput
    (docs/marketplaces/shopify.md#content-fields); empty values are left out so Shopify keeps its defaults."""
    data: dict[str, Any] = {}
    seo = {k: v for k, v in (("title", payload.seo_title), ("description", payload.seo_description)) if v}
    if seo:
        data["seo"] = seo
    if payload.handle:
        data["handle"] = payload.handle
    if payload.metafields:
        # MetafieldInput upserts by namespace and key on create and update (docs/marketplaces/shopify.md#metafields)
        data["metafields"] = metafields_input(payload.metafields)
    return data


def metafields_input(metafields: Sequence[MetafieldPayload]) -> list[dict[str, str]]:
    """MetafieldInput {namespace, key, type, value} of a product's or a variant's metafields."""
    return [{"namespace": m.namespace, "key": m.key, "type": m.type, "value": m.value} for m in metafields]


def collection_ids(collection: Mapping[str, Any] | None) -> dict[str, str]:
    """The collection's id and handle, kept with the listing's marketplace ids."""
    if not collection:
        return {}
    return {"collection_id": str(collection["id"]), "collection_handle": str(collection.get("handle") or "")}


def collection_image(payload: ListingPayload) -> dict[str, Any]:
    """CollectionInput `image` (ImageInput: src, altText) from the category icon's URL; {} without an icon."""
    if not payload.collection_image_url:
        return {}
    return {"image": {"src": payload.collection_image_url, "altText": payload.collection_title[:ALT_MAX]}}


def collection_has_image(collection: Mapping[str, Any], url: str) -> bool:
    """Whether the collection already shows this icon. Shopify copies an image to its CDN under the uploaded file's
    name, and our icon files are named by their sha256, so the name tells (docs/marketplaces/shopify.md#collections)."""
    current = str((collection.get("image") or {}).get("url") or "")
    name = url.rsplit("/", 1)[-1]
    return bool(current) and bool(name) and name.split("?")[0] in current.split("?")[0]


def sku_tag(sku: str) -> str:
    return f"lm-sku:{sku}"


def sku_search(sku: str) -> str:
    """Product search for one SKU: a variant SKU, or our tag on a product whose variants were never set."""
    clean = sku.replace('"', "")
    return f'sku:"{clean}" OR tag:"{sku_tag(clean)}"'


def media_input(urls: Sequence[str], alts: Sequence[str] = ()) -> list[dict[str, str]]:
    """CreateMediaInput per image, with its alt text (Shopify keeps at most ALT_MAX characters)."""
    media = []
    for index, url in enumerate(urls):
        alt = (alts[index] if index < len(alts) else "") or ""
        media.append({"originalSource": url, "mediaContentType": "IMAGE", "alt": alt[:ALT_MAX]})
    return media


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(Decimal("0.01")))


def variant_rows(payload: ListingPayload) -> list[VariantPayload]:
    """Our variants, or one row standing for a product without variants."""
    if payload.variants:
        return list(payload.variants)
    return [
        VariantPayload(
            sku=payload.sku,
            price=payload.price,
            quantity=payload.quantity,
            barcode=payload.barcode,
            compare_at_price=payload.compare_at_price,
        )
    ]


def variant_input(row: VariantPayload, variant_id: str = "", location_id: str = "") -> dict[str, Any]:
    data: dict[str, Any] = {
        "price": _money(row.price),
        "compareAtPrice": _money(row.compare_at_price),
        "inventoryItem": {"sku": row.sku, "tracked": True},
    }
    if row.barcode:
        data["barcode"] = row.barcode
    if row.metafields:
        # ProductVariantsBulkInput.metafields upserts by namespace and key (docs/marketplaces/shopify.md#metafields)
        data["metafields"] = metafields_input(row.metafields)
    if variant_id:
        data["id"] = variant_id
    else:
        data["optionValues"] = [{"optionName": k, "name": v} for k, v in row.options.items()]
        if location_id:
            data["inventoryQuantities"] = [{"availableQuantity": row.quantity, "locationId": location_id}]
    return data


def to_remote(product: Mapping[str, Any]) -> RemoteListing:
    variants = (product.get("variants") or {}).get("nodes") or []
    first = variants[0] if variants else {}
    raw_status = str(product.get("status") or "")
    return RemoteListing(
        external_id=str(product["id"]),
        sku=str(first.get("sku") or ""),
        title=str(product.get("title") or ""),
        price=Decimal(str(first["price"])) if first.get("price") is not None else None,
        quantity=int(product["totalInventory"]) if product.get("totalInventory") is not None else None,
        status=status_lookup(STATUS, raw_status),
        raw_status=raw_status,
        raw=dict(product),
        updated_at=remote_time(product.get("updatedAt")),
        marketplace_ids=marketplace_ids(product),
    )


def marketplace_ids(product: Mapping[str, Any]) -> dict[str, str]:
    """Product id plus every variant's id and inventory item id (comma-separated in variant order)."""
    variants = [v for v in (product.get("variants") or {}).get("nodes") or [] if isinstance(v, Mapping)]
    ids = {"product_id": str(product.get("id") or "")}
    variant_ids = [str(v.get("id") or "") for v in variants if v.get("id")]
    items = [str((v.get("inventoryItem") or {}).get("id") or "") for v in variants]
    if variant_ids:
        ids["variant_ids"] = ",".join(variant_ids)
    if any(items):
        ids["inventory_item_ids"] = ",".join(i for i in items if i)
    return ids
