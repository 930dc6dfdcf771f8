"""Writes for products and variants. Every entry point (pages, API, admin, import, tasks) calls these."""

from decimal import Decimal
from typing import Any

import nh3
from django.db import transaction
from django.db.models import F

from common.actors import Actor as User
from common.actors import actor_or_none as _actor
from common.errors import ApplicationError
from listings.services import listings_readiness_refresh

from ..choices import ProductStatus
from ..fields import PRODUCT_FIELD_NAMES, VARIANT_FIELDS
from ..models import Product, Variant

# What product_create/product_update accept: the declared fields, and `category_id` beside `category`.
PRODUCT_FIELDS = frozenset({*PRODUCT_FIELD_NAMES, "category_id"})


def product_readiness_refresh(product_id: int) -> None:
    """Re-check the stored readiness verdict of the product's listings after one of its readiness inputs changed."""
    listings_readiness_refresh(product_ids=[product_id])


def sanitize_description(html: str) -> str:
    """Keep formatting tags, drop scripts, event handlers and unsafe URLs."""
    return nh3.clean(html or "")


def sku_taken_error(sku: str, *, exclude_product: int | None = None, exclude_variant: int | None = None) -> str | None:
    """Say which product or variant already uses `sku` (case-insensitive), or None when it is free."""
    products = Product.objects.filter(sku__iexact=sku.strip())
    if exclude_product:
        products = products.exclude(pk=exclude_product)
    product = products.only("pk", "sku").first()
    if product:
        return f"SKU '{sku}' is already used by product #{product.pk} ({product.sku})."
    variants = Variant.objects.filter(sku__iexact=sku.strip())
    if exclude_variant:
        variants = variants.exclude(pk=exclude_variant)
    variant = variants.only("pk", "sku", "product_id").first()
    if variant:
        return f"SKU '{sku}' is already used by a variant of product #{variant.product_id} ({variant.sku})."
    return None


def _normalize(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - PRODUCT_FIELDS
    if unknown:
        raise ApplicationError(f"Unknown product field(s): {', '.join(sorted(unknown))}.")
    out = dict(fields)
    if "sku" in out:
        out["sku"] = (out["sku"] or "").strip()
    if "description" in out:
        out["description"] = sanitize_description(out["description"])
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
    return product


@transaction.atomic
def product_update(
    *, product: Product, user: User = None, expected_version: int | None = None, **fields: Any
) -> Product:
    """Apply `fields`; with `expected_version`, refuse when someone else saved the product in between."""
    if expected_version is not None:
        current = Product.objects.select_for_update().values_list("version", flat=True).get(pk=product.pk)
        if current != expected_version:
            raise ApplicationError(
                f"Product {product.sku} was changed by someone else (version {current}, you had {expected_version}).",
                extra={"code": "version_conflict", "current_version": current},
            )
    for name, value in _normalize(fields).items():
        setattr(product, name, value)
    product.updated_by = _actor(user)
    product.full_clean()
    product.version = F("version") + 1  # type: ignore[assignment]
    product.save()
    product.refresh_from_db(fields=["version"])
    product_readiness_refresh(product.pk)
    return product


def product_archive(*, product: Product, user: User = None) -> Product:
    return product_update(product=product, user=user, status=ProductStatus.ARCHIVED)


@transaction.atomic
def variant_create(*, product: Product, user: User = None, **fields: Any) -> Variant:
    unknown = set(fields).difference(VARIANT_FIELDS)
    if unknown:
        raise ApplicationError(f"Unknown variant field(s): {', '.join(sorted(unknown))}.")
    variant = Variant(product=product, **fields)
    variant.created_by = variant.updated_by = _actor(user)
    variant.full_clean()
    variant.save()
    product_readiness_refresh(product.pk)
    return variant


@transaction.atomic
def variant_update(*, variant: Variant, user: User = None, **fields: Any) -> Variant:
    unknown = set(fields).difference(VARIANT_FIELDS)
    if unknown:
        raise ApplicationError(f"Unknown variant field(s): {', '.join(sorted(unknown))}.")
    for name, value in fields.items():
        setattr(variant, name, value)
    variant.updated_by = _actor(user)
    variant.full_clean()
    variant.save()
    product_readiness_refresh(variant.product_id)
    return variant


@transaction.atomic
def variant_delete(*, variant: Variant, user: User = None) -> None:
    product_id = variant.product_id
    variant.delete()
    product_readiness_refresh(product_id)
