"""Catalog services: every write to categories, products, variants and images goes through here."""

from ..models import sku_taken_error
from .attributes import attributes_validate, category_attribute_definitions
from .categories import category_create, category_delete, category_get_or_create_path, category_update
from .images import image_add, image_delete, image_update
from .products import (
    ImageUpload,
    ProductPartsError,
    VariantWrite,
    product_archive,
    product_create,
    product_save,
    product_update,
    sanitize_description,
    variant_create,
    variant_delete,
    variant_update,
)

__all__ = [
    "ImageUpload",
    "ProductPartsError",
    "VariantWrite",
    "attributes_validate",
    "category_attribute_definitions",
    "category_create",
    "category_delete",
    "category_get_or_create_path",
    "category_update",
    "image_add",
    "image_delete",
    "image_update",
    "product_archive",
    "product_create",
    "product_save",
    "product_update",
    "sanitize_description",
    "sku_taken_error",
    "variant_create",
    "variant_delete",
    "variant_update",
]
