"""Phase 4, listing: a draft product (and a variant when size or colour is known) with the photos, category,
attributes and barcode, and draft listings on the chosen channels with their readiness computed. Nothing is
published: a person reviews and publishes. An item whose GTIN matched a catalog product reuses that product.

The price is the typical price of the research phase (0 without one, which the readiness rules block); the title,
description, bullet points (the first five evidenced bullets), backend search terms and SEO title/description are the
SEO phase's (docs/intake.md#phases), and each listing's title override is that channel's SEO title when it differs.
Output schema (version 1): {"product_id", "created": bool, "variant_id", "images": int, "price",
"listings": [{"listing_id", "channel", "readiness_blocking", "issues": [...]}], "notes": [...]}.
"""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from catalog.choices import ProductStatus
from catalog.models import Category, Product, sku_taken_error
from catalog.services import image_add, product_create, variant_create
from catalog.validators import (
    BULLET_MAX_LENGTH,
    SEO_DESCRIPTION_MAX_LENGTH,
    SEO_TITLE_MAX_LENGTH,
    attribute_value_error,
)
from common.errors import ApplicationError
from listings.services import listing_create

from ..analysis.seo import fit_title
from ..choices import PhaseName, PhaseStatus
from ..models import IntakeItem
from .items import photo_bytes

OUTPUT_VERSION = 1
ATTRIBUTE_SOURCES = {"colour": "colour", "color": "colour", "size": "size", "condition": "condition"}


def _research_price(item: IntakeItem) -> dict[str, str] | None:
    research = item.phases.filter(phase=PhaseName.RESEARCH, status=PhaseStatus.COMPLETED).first()
    return research.output.get("price") if research is not None else None


def _seo(item: IntakeItem) -> dict[str, Any]:
    """The SEO phase's title, description and per-channel titles ({} when it did not run)."""
    seo = item.phases.filter(phase=PhaseName.SEO, status=PhaseStatus.COMPLETED).first()
    if seo is None:
        return {}
    out = seo.output
    return {
        "title": out.get("base_title") or "",
        "description": out.get("description") or "",
        "channel_titles": {str(c["channel_id"]): c["title"] for c in out.get("channel_titles") or []},
        "bullets": [b["text"] for b in out.get("bullets") or []],
        "search_terms": out.get("search_terms") or "",
    }


def _content_fields(seo: dict[str, Any], title: str) -> dict[str, str]:
    """The product's bullet points, search terms and SEO title/description from the SEO phase's evidenced output."""
    fields = {f"bullet_point_{n}": text[:BULLET_MAX_LENGTH] for n, text in enumerate(seo.get("bullets", [])[:5], 1)}
    fields["search_terms"] = seo.get("search_terms", "")
    fields["seo_title"] = fit_title(title, SEO_TITLE_MAX_LENGTH, amazon=False)
    fields["seo_description"] = fit_title("; ".join(seo.get("bullets", [])), SEO_DESCRIPTION_MAX_LENGTH, amazon=False)
    return fields


def input_for(item: IntakeItem) -> dict[str, Any]:
    return {
        "fields": {k: v.get("value") for k, v in sorted(item.fields.items())},
        "price": _research_price(item),
        "seo": _seo(item),
        "channels": sorted(item.hint_channels.values_list("pk", flat=True)),
        "photos": [p.sha256 for p in item.photos.order_by("position")],
    }


def compute(item: IntakeItem, payload: dict[str, Any], checkpoint: Callable[[str], None]) -> dict[str, Any]:
    checkpoint("plan")
    return {"plan": payload}


def _value(item: IntakeItem, name: str) -> Any:
    return (item.fields.get(name) or {}).get("value")


def _matched_product(item: IntakeItem) -> Product | None:
    for evidence in (item.fields.get("name") or {}).get("evidence", []):
        if evidence.get("kind") == "catalog":
            return Product.objects.filter(pk=evidence["product_id"]).first()
    return None


def _free_sku(base: str) -> str:
    sku, n = base, 1
    while sku_taken_error(sku):
        n += 1
        sku = f"{base}-{n}"
    return sku


def _attributes(item: IntakeItem, category: Category | None) -> dict[str, Any]:
    if category is None:
        return {}
    out = {}
    for definition in category.inherited_attribute_definitions():
        source = ATTRIBUTE_SOURCES.get(definition.code)
        value = _value(item, source) if source else None
        if value not in (None, "") and attribute_value_error(definition, value) is None:
            out[definition.code] = value
    return out


def _new_product(item: IntakeItem, output: dict[str, Any]) -> Product:
    category = Category.objects.filter(pk=_value(item, "category")).first()
    size, colour, gtin = _value(item, "size"), _value(item, "colour"), _value(item, "barcode") or ""
    options = {k: str(v) for k, v in (("Size", size), ("Colour", colour)) if v}
    price = _research_price(item)
    output["price"] = price
    seo = _seo(item)
    title = (seo.get("title") or str(_value(item, "name")))[:255]
    product = product_create(
        user=item.owner,
        sku=_free_sku(f"INTAKE-{item.pk}"),
        title=title,
        description=seo.get("description", ""),
        brand=str(_value(item, "brand") or "")[:120],
        mpn=str(_value(item, "model") or "")[:64],
        barcode="" if options else gtin,
        category=category,
        price=Decimal(price["typical"]) if price else Decimal("0"),
        currency=price["currency"] if price else "USD",
        status=ProductStatus.DRAFT,
        attributes=_attributes(item, category),
        **_content_fields(seo, title),
    )
    if options:
        variant = variant_create(
            product=product, user=item.owner, sku=f"{product.sku}-1", options=options, barcode=gtin
        )
        output["variant_id"] = variant.pk
    photos = list(item.photos.order_by("position"))
    usable = [p for p in photos if p.verdict != "retake"] or photos
    for photo in usable:
        image_add(product=product, upload=photo_bytes(photo), filename=photo.original_filename, user=item.owner)
    output["images"] = len(usable)
    return product


def apply(item: IntakeItem, output: dict[str, Any]) -> None:
    if not _value(item, "name"):
        raise ApplicationError("The item has no name; review it first.")
    product = _matched_product(item)
    output.update(
        {"created": product is None, "variant_id": None, "images": 0, "price": None, "listings": [], "notes": []}
    )
    if product is None:
        product = _new_product(item, output)
    else:
        output["notes"].append(f"GTIN matched product {product.sku}: reused, not duplicated.")
    for channel in item.hint_channels.order_by("name"):
        if product.listings.filter(channel=channel, variant__isnull=True).exists():
            output["notes"].append(f"Already listed on {channel.name}.")
            continue
        title = _seo(item).get("channel_titles", {}).get(str(channel.pk))
        overrides = {"title": title} if title and title != product.title else {}
        listing = listing_create(product=product, channel=channel, user=item.owner, **overrides)
        output["listings"].append(
            {
                "listing_id": listing.pk,
                "channel": channel.name,
                "readiness_blocking": listing.readiness_blocking,
                "issues": listing.readiness_issues,
            }
        )
    output["product_id"] = product.pk
    item.product = product
    item.save(update_fields=["product", "updated_at"])


def summary(output: dict[str, Any]) -> dict[str, Any]:
    return {k: output.get(k) for k in ("product_id", "created", "variant_id", "images", "price", "notes")}
