"""Copying and deleting a whole product (docs/pages.md#product-actions)."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from common import events
from common.actors import Actor as User
from common.errors import ApplicationError

from ..events import PRODUCT_DELETING
from ..fields import PRODUCT_FIELD_NAMES
from ..models import Product, ProductImage, Variant, sku_taken_error
from .images import image_add
from .products import product_create, variant_create

# Not copied: the SKU (the user gives a new one), the barcode (a GTIN names one product), the stock (a copy has
# none on hand until counted) and the status (a copy starts as a draft).
DUPLICATE_SKIPPED_FIELDS = frozenset({"sku", "barcode", "quantity", "status"})


def duplicate_variant_skus(product: Product, sku: str) -> dict[int, str]:
    """A proposed SKU for each variant of the copy: the original's with the product SKU prefix swapped for `sku`
    (TEE-1-RED -> TEE-2-RED), or `sku` + the original SKU when it does not start with the product's."""
    proposed: dict[int, str] = {}
    for variant in product.variants.order_by("position", "id"):
        if variant.sku.upper().startswith(product.sku.upper()):
            proposed[variant.pk] = sku + variant.sku[len(product.sku) :]
        else:
            proposed[variant.pk] = f"{sku}-{variant.sku}"
    return proposed


def _variant_skus(product: Product, sku: str, given: Mapping[int, str] | None) -> dict[int, str]:
    """The copy's variant SKUs (given, else proposed), each checked free and distinct; errors name the variant."""
    skus = duplicate_variant_skus(product, sku)
    for variant_id, value in (given or {}).items():
        if variant_id not in skus:
            raise ValidationError({"variant_skus": f"Variant #{variant_id} is not a variant of {product.sku}."})
        skus[variant_id] = (value or "").strip() or skus[variant_id]
    seen: set[str] = {sku.upper()}
    for value in skus.values():
        if value.upper() in seen:
            raise ValidationError({"variant_skus": f"SKU '{value}' is given twice in the copy."})
        seen.add(value.upper())
        taken = sku_taken_error(value)
        if taken:
            raise ValidationError({"variant_skus": taken})
    return skus


@transaction.atomic
def product_duplicate(
    *, product: Product, sku: str, title: str = "", variant_skus: Mapping[int, str] | None = None, user: User = None
) -> Product:
    """Copy the product under a new SKU: its fields, attributes, variants (each with a new SKU) and images.

    Listings are not copied: the copy is a draft on no channel. `variant_skus` maps an original variant's id to
    its copy's SKU; the others get `duplicate_variant_skus`' proposal. A taken SKU is refused before any write.
    """
    sku = (sku or "").strip()
    if not sku:
        raise ValidationError({"sku": "Give the copy its own SKU."})
    taken = sku_taken_error(sku)
    if taken:
        raise ValidationError({"sku": taken})
    skus = _variant_skus(product, sku, variant_skus)
    fields = {name: getattr(product, name) for name in PRODUCT_FIELD_NAMES if name not in DUPLICATE_SKIPPED_FIELDS}
    fields["attributes"] = dict(product.attributes or {})
    fields["title"] = (title or "").strip() or product.title
    copy = product_create(user=user, sku=sku, **fields)
    for variant in product.variants.order_by("position", "id"):
        variant_create(
            product=copy,
            user=user,
            sku=skus[variant.pk],
            options=dict(variant.options or {}),
            price=variant.price,
            compare_at_price=variant.compare_at_price,
            position=variant.position,
        )
    for image in product.images.order_by("-is_primary", "sort_order", "id"):
        _image_copy(copy, image, user)
    return copy


def _image_copy(copy: Product, image: ProductImage, user: User) -> None:
    try:
        with image.image.open("rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise ApplicationError(f"Image {image.original_filename or image.pk} could not be read ({exc}).") from exc
    image_add(
        product=copy,
        upload=data,
        filename=image.original_filename,
        alt_text=image.alt_text,
        is_primary=image.is_primary,
        sort_order=image.sort_order,
        user=user,
    )


@transaction.atomic
def product_delete(*, product: Product, user: User = None) -> None:
    """Delete the product with its variants, images and stock rows.

    Upper apps hear PRODUCT_DELETING first: listings refuses (an ApplicationError naming the channels) while a
    marketplace holds one of its listings, and otherwise removes the product's remaining listings. Archive a
    product instead to keep its history.
    """
    locked = Product.objects.select_for_update().filter(pk=product.pk).first()
    if locked is None:
        raise ApplicationError(f"Product {product.sku} no longer exists.", extra={"code": "not_found"})
    events.publish(PRODUCT_DELETING, product=locked, user=user)
    files = [(i.image.storage, i.image.name) for i in ProductImage.objects.filter(product=locked) if i.image.name]
    Variant.objects.filter(product=locked).delete()
    locked.delete()
    transaction.on_commit(lambda: _files_delete(files))


def _files_delete(files: list[tuple[Any, str]]) -> None:
    for storage, name in files:
        storage.delete(name)
