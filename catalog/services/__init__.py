"""Catalog services: every write to categories, products, variants and images goes through here."""

from ..models import sku_taken_error
from .attributes import attributes_validate, category_attribute_definitions
from .categories import category_create, category_delete, category_get_or_create_path, category_update
from .icons import category_icon_add, category_icon_delete, category_icon_set_status
from .images import image_add, image_delete, image_update
from .lifecycle import duplicate_variant_skus, product_delete, product_duplicate
from .metafields import (
    metafield_definition_create,
    metafield_definition_delete,
    metafield_definition_update,
    product_metafields_update,
)
from .products import (
    ImageUpload,
    ProductPartsError,
    VariantWrite,
    product_archive,
    product_create,
    product_save,
    product_update,
    sanitize_description,
    stock_quantity_write,
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
    "category_icon_add",
    "category_icon_delete",
    "category_icon_set_status",
    "category_get_or_create_path",
    "category_update",
    "duplicate_variant_skus",
    "image_add",
    "image_delete",
    "image_update",
    "metafield_definition_create",
    "metafield_definition_delete",
    "metafield_definition_update",
    "product_archive",
    "product_create",
    "product_delete",
    "product_duplicate",
    "product_save",
    "product_metafields_update",
    "product_update",
    "sanitize_description",
    "sku_taken_error",
    "stock_quantity_write",
    "variant_create",
    "variant_delete",
    "variant_update",
]
