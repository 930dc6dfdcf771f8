"""Writes for products and variants. Every entry point (pages, API, admin, import, tasks) calls these."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import nh3
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from common import events
from common.actors import Actor as User
from common.actors import actor_or_none as _actor
from common.errors import ApplicationError

from ..choices import ProductStatus
from ..events import PRODUCT_ARCHIVING, STOCK_ITEM_CREATED
from ..fields import PRODUCT_FIELD_NAMES, VARIANT_FIELDS
from ..models import Product, Variant
from .images import image_add
from .readiness import (
    PRODUCT_CONTENT_FIELDS,
    PRODUCT_OFFER_FIELDS,
    VARIANT_CONTENT_FIELDS,
    payload_parts,
    product_readiness_refresh,
    product_versions_record,
    products_payload_changed,
    products_prices_changed,
)

PAYLOAD_FIELDS = sorted((PRODUCT_OFFER_FIELDS | PRODUCT_CONTENT_FIELDS) - {"category"})
VARIANT_PAYLOAD_FIELDS = sorted(PRODUCT_OFFER_FIELDS | VARIANT_CONTENT_FIELDS)

# What product_create/product_update accept: the declared fields, and `category_id` beside `category`.
PRODUCT_FIELDS = frozenset({*PRODUCT_FIELD_NAMES, "category_id"})


def sanitize_description(html: str) -> str:
    """Keep formatting tags, drop scripts, event handlers and unsafe URLs."""
    return nh3.clean(html or "")


def _normalize(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - PRODUCT_FIELDS
    if unknown:
        raise ApplicationError(f"Unknown product field(s): {', '.join(sorted(unknown))}.")
    out = dict(fields)
    if "sku" in out:
        out["sku"] = (out["sku"] or "").strip()
    for html in ("description", "short_description"):
        if html in out:
            out[html] = sanitize_description(out[html])
    if "metafields" in out and out["metafields"] is None:
        out["metafields"] = {}  # an empty form field
    if isinstance(out.get("handle"), str):
        out["handle"] = out["handle"].strip().lower()
    if "currency" in out and isinstance(out["currency"], str):
        out["currency"] = out["currency"].strip().upper()
    if "barcode" in out and out["barcode"] is not None:
        out["barcode"] = str(out["barcode"]).strip()
    for money in ("price", "compare_at_price", "cost_price"):
        if out.get(money) is not None and not isinstance(out[money], Decimal):
            out[money] = Decimal(str(out[money]))
    return out


@transaction.atomic
def product_create(*, user: User = None, **fields: Any) -> Product:
    product = Product(**_normalize(fields))
    product.created_by = product.updated_by = _actor(user)
    product.full_clean()
    product.save()
    events.publish(STOCK_ITEM_CREATED, product=product)
    product_versions_record([product.pk], user)
    return product


@transaction.atomic
def product_update(
    *,
    product: Product,
    user: User = None,
    expected_version: int | None = None,
    deactivate_listings: bool = False,
    **fields: Any,
) -> Product:
    """Apply `fields`; with `expected_version`, refuse when someone else saved the product in between.

    Archiving a product that is on a marketplace is refused unless `deactivate_listings` asks to take its
    listings off there too (the PRODUCT_ARCHIVING event; docs/sync.md#deactivation)."""
    if expected_version is not None:
        current = Product.objects.select_for_update().values_list("version", flat=True).get(pk=product.pk)
        if current != expected_version:
            raise ApplicationError(
                f"Product {product.sku} was changed by someone else (version {current}, you had {expected_version}).",
                extra={"code": "version_conflict", "current_version": current},
            )
    if fields.get("status") == ProductStatus.ARCHIVED and _stored_status(product) != ProductStatus.ARCHIVED:
        events.publish(PRODUCT_ARCHIVING, product=product, user=user, deactivate_listings=deactivate_listings)
    # Compared with the stored row, not the instance: Django Admin hands over an instance its form already changed.
    before = Product.objects.filter(pk=product.pk).values(*PAYLOAD_FIELDS, "cost_price").first() or {}
    for name, value in _normalize(fields).items():
        setattr(product, name, value)
    product.updated_by = _actor(user)
    product.full_clean()
    product.version = F("version") + 1  # type: ignore[assignment]
    product.save()
    product.refresh_from_db(fields=["version"])
    product_readiness_refresh(product.pk)
    changed = [name for name in PAYLOAD_FIELDS if before.get(name) != getattr(product, name)]
    products_payload_changed([product.pk], payload_parts(changed))
    cost_changed = ["cost_price"] if before.get("cost_price") != product.cost_price else []
    products_prices_changed([product.pk], [*changed, *cost_changed], user=user)
    product_versions_record([product.pk], user)
    return product


def _stored_status(product: Product) -> str | None:
    if product.pk is None:
        return None
    return Product.objects.filter(pk=product.pk).values_list("status", flat=True).first()


def product_archive(*, product: Product, user: User = None, deactivate_listings: bool = False) -> Product:
    """Archive the product; see product_update for a product still on a marketplace."""
    return product_update(
        product=product, user=user, status=ProductStatus.ARCHIVED, deactivate_listings=deactivate_listings
    )


def _variant_fields(fields: dict[str, Any]) -> dict[str, Any]:
    if "metafields" in fields and fields["metafields"] is None:
        return {**fields, "metafields": {}}  # an empty form field
    return fields


@transaction.atomic
def variant_create(*, product: Product, user: User = None, **fields: Any) -> Variant:
    unknown = set(fields).difference(VARIANT_FIELDS)
    if unknown:
        raise ApplicationError(f"Unknown variant field(s): {', '.join(sorted(unknown))}.")
    variant = Variant(product=product, **_variant_fields(fields))
    variant.created_by = variant.updated_by = _actor(user)
    variant.full_clean()
    variant.save()
    events.publish(STOCK_ITEM_CREATED, variant=variant)
    product_readiness_refresh(product.pk)
    products_payload_changed([product.pk], payload_parts(VARIANT_PAYLOAD_FIELDS, variant=True))
    return variant


@transaction.atomic
def variant_update(*, variant: Variant, user: User = None, **fields: Any) -> Variant:
    unknown = set(fields).difference(VARIANT_FIELDS)
    if unknown:
        raise ApplicationError(f"Unknown variant field(s): {', '.join(sorted(unknown))}.")
    before = Variant.objects.filter(pk=variant.pk).values(*VARIANT_PAYLOAD_FIELDS).first() or {}
    for name, value in _variant_fields(fields).items():
        setattr(variant, name, value)
    variant.updated_by = _actor(user)
    variant.full_clean()
    variant.save()
    product_readiness_refresh(variant.product_id)
    changed = [name for name in VARIANT_PAYLOAD_FIELDS if before.get(name) != getattr(variant, name)]
    products_payload_changed([variant.product_id], payload_parts(changed, variant=True))
    products_prices_changed([variant.product_id], changed, user=user)
    return variant


@transaction.atomic
def stock_quantity_write(*, product: Product, variant: Variant | None = None, quantity: int) -> bool:
    """Write the quantity the stock ledger derived (inventory's write-back, docs/orders.md#the-ledger).

    Not a content edit: the product's `version` (the optimistic lock of edit forms and `If-Match`) stays, so an
    order arriving while a seller edits the product does not turn their save into a conflict. Listings hear of it
    as of any quantity change. Returns whether the stored figure changed."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
        raise ApplicationError(f"A stock quantity is a whole number of 0 or more, not {quantity!r}.")
    model: type[Product] | type[Variant] = Variant if variant is not None else Product
    target = variant if variant is not None else product
    changed = (
        model.objects.filter(pk=target.pk)
        .exclude(quantity=quantity)
        .update(quantity=quantity, updated_at=timezone.now())
    )
    target.quantity = quantity
    if changed:
        product_readiness_refresh(product.pk)
        products_payload_changed([product.pk], payload_parts(["quantity"], variant=variant is not None))
    return bool(changed)


@transaction.atomic
def variant_delete(*, variant: Variant, user: User = None) -> None:
    product_id = variant.product_id
    variant.delete()
    product_readiness_refresh(product_id)
    products_payload_changed([product_id], payload_parts(VARIANT_PAYLOAD_FIELDS, variant=True))


# --- Product with its variants and images ---


@dataclass(frozen=True)
class VariantWrite:
    """One variant of a `product_save`: created when `variant` is None, else updated, or deleted with `delete`."""

    fields: dict[str, Any] = field(default_factory=dict)
    variant: Variant | None = None
    delete: bool = False


@dataclass(frozen=True)
class ImageUpload:
    """One new image of a `product_save`: an uploaded file (or bytes) and the name it came with."""

    upload: object
    filename: str = ""


class ProductPartsError(ValidationError):
    """Variants or images of a `product_save` were refused, so nothing of the save was kept.

    `variant_errors` and `image_errors` map each refused part's position (in the `variants` and `images`
    given to the service) to its refusal, so that a page or the API can show each error beside its part.
    """

    def __init__(
        self,
        *,
        variant_errors: dict[int, ValidationError | ApplicationError],
        image_errors: dict[int, ValidationError | ApplicationError],
    ) -> None:
        self.variant_errors = variant_errors
        self.image_errors = image_errors
        lines = [f"Variant {i + 1}: {_refusal_text(e)}" for i, e in variant_errors.items()]
        lines += [f"Image {i + 1}: {_refusal_text(e)}" for i, e in image_errors.items()]
        super().__init__(lines)


def _refusal_text(exc: ValidationError | ApplicationError) -> str:
    return exc.message if isinstance(exc, ApplicationError) else " ".join(exc.messages)


@transaction.atomic
def product_save(
    *,
    product: Product | None = None,
    fields: dict[str, Any],
    variants: Sequence[VariantWrite] = (),
    images: Sequence[ImageUpload] = (),
    expected_version: int | None = None,
    user: User = None,
) -> Product:
    """Create (`product` None) or update a product together with its variants and new images, all or nothing.

    A refusal of the product itself is raised as it comes (the parts are not tried). Refusals of variants and
    images are collected, so that a form can show every one of them, and raised as one `ProductPartsError`.
    Either way the transaction rolls back: no part of a refused save is kept.
    """
    if product is None:
        saved = product_create(user=user, **fields)
    else:
        saved = product_update(product=product, user=user, expected_version=expected_version, **fields)
    variant_errors = _variants_write(saved, variants, user)
    image_errors = _images_add(saved, images, user)
    if variant_errors or image_errors:
        raise ProductPartsError(variant_errors=variant_errors, image_errors=image_errors)
    return saved


def _variants_write(
    product: Product, writes: Sequence[VariantWrite], user: User
) -> dict[int, ValidationError | ApplicationError]:
    errors: dict[int, ValidationError | ApplicationError] = {}
    for index, write in enumerate(writes):
        try:
            if write.variant is None:
                if not write.delete:
                    variant_create(product=product, user=user, **write.fields)
            elif write.variant.product_id != product.pk:
                raise ValidationError(f"Variant #{write.variant.pk} belongs to another product.", code="invalid")
            elif write.delete:
                variant_delete(variant=write.variant, user=user)
            else:
                variant_update(variant=write.variant, user=user, **write.fields)
        except (ValidationError, ApplicationError) as exc:
            errors[index] = exc
    return errors


def _images_add(
    product: Product, uploads: Sequence[ImageUpload], user: User
) -> dict[int, ValidationError | ApplicationError]:
    errors: dict[int, ValidationError | ApplicationError] = {}
    for index, image in enumerate(uploads):
        try:
            image_add(product=product, upload=image.upload, filename=image.filename, user=user)
        except (ValidationError, ApplicationError) as exc:
            errors[index] = exc
    return errors
