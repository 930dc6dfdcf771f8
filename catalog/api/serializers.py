"""Catalog serializers. Writes go through catalog.services; reads use hand-rolled `to_representation`s.

The declared fields stay the single source of the schema and of input validation. Only the output path is
hand-written: DRF's generic field-by-field rendering costs ~25 µs per field, which dominated the product list
(50 products x ~40 fields with nested rows). `tests/api/test_catalog_api.py` checks that both paths agree.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from rest_framework import serializers
from rest_framework.settings import api_settings

from catalog import services
from catalog.choices import ProductStatus
from catalog.fields import PRODUCT_CONTENT_TEXT_FIELDS, PRODUCT_FIELD_NAMES, VARIANT_FIELDS
from catalog.models import Category, CategoryIcon, MetafieldDefinition, Product, ProductImage, Variant
from common.api.bulk import BULK_ITEM_STATUSES, BULK_POLICY_CHOICES, BULK_REJECT_ALL
from common.api.serializers import (
    MAX_ID,
    ServiceSerializerMixin,
    StrictCharField,
    StrictIntegerField,
    StrictSlugField,
)

# --- Fast output helpers (same strings as DRF's DecimalField/DateTimeField with default settings) ---


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _datetime(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    text = timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


# --- Categories ---


class CategorySerializer(ServiceSerializerMixin, serializers.ModelSerializer):
    create_service = services.category_create
    update_service = services.category_update
    instance_kwarg = "category"

    slug = StrictSlugField(max_length=200, required=False, help_text="Derived from the name when omitted.")
    full_name = serializers.CharField(read_only=True)

    class Meta:
        model = Category
        fields = [
            "id",
            "name",
            "slug",
            "parent",
            "full_name",
            "depth",
            "sort_order",
            "is_active",
            "title_max_length",
            "created_at",
        ]
        read_only_fields = ["depth", "created_at"]
        validators: list = []  # uniqueness is the service's full_clean(), which names the clash

    def to_representation(self, instance: Category) -> dict[str, Any]:
        names = self.context.get("category_names")
        if names is not None:
            full_name = " > ".join(names.get(i, "?") for i in instance.ancestor_ids())
        else:
            full_name = instance.full_name
        return {
            "id": instance.pk,
            "name": instance.name,
            "slug": instance.slug,
            "parent": instance.parent_id,
            "full_name": full_name,
            "depth": instance.depth,
            "sort_order": instance.sort_order,
            "is_active": instance.is_active,
            "title_max_length": instance.title_max_length,
            "created_at": _datetime(instance.created_at),
        }

    def service_kwargs(self, validated_data: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None and not validated_data.get("slug"):
            validated_data.pop("slug", None)
        return validated_data


# --- Variants ---


# The catalog quantity is derived from the stock ledger (docs/orders.md#the-ledger): an update that would change
# it is refused; a new product or variant may bring its opening quantity (an opening count in the ledger).
QUANTITY_READ_ONLY = (
    "quantity is read-only: it is the available stock, derived from the stock ledger. Change stock with "
    "POST /api/v1/stock/adjust/ (sku, delta, reason)."
)


def _quantity_unchanged(attrs: dict[str, Any], instance: Product | Variant | None) -> None:
    if instance is not None and "quantity" in attrs and attrs["quantity"] != instance.quantity:
        raise serializers.ValidationError({"quantity": [QUANTITY_READ_ONLY]})


class VariantSerializer(ServiceSerializerMixin, serializers.ModelSerializer):
    create_service = services.variant_create
    update_service = services.variant_update
    instance_kwarg = "variant"

    options = serializers.DictField(
        child=StrictCharField(), required=False, help_text='Option values, e.g. {"Size": "XL"}.'
    )

    class Meta:
        model = Variant
        fields = ["id", "product", *VARIANT_FIELDS]
        validators: list = []

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["product"].read_only = True  # a variant does not move between products
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if isinstance(self.instance, Variant):
            _quantity_unchanged(attrs, self.instance)
        return attrs

    def to_representation(self, instance: Variant) -> dict[str, Any]:
        return {
            "id": instance.pk,
            "product": instance.product_id,
            "sku": instance.sku,
            "options": instance.options,
            "price": _money(instance.price),
            "compare_at_price": _money(instance.compare_at_price),
            "quantity": instance.quantity,
            "barcode": instance.barcode,
            "position": instance.position,
            "metafields": instance.metafields,
        }


# --- Images ---


class ProductImageSerializer(serializers.ModelSerializer):
    """An image as read and updated; uploads go through `ProductImageUploadSerializer`."""

    class Meta:
        model = ProductImage
        fields = [
            "id",
            "product",
            "image",
            "original_filename",
            "width",
            "height",
            "file_size",
            "alt_text",
            "sort_order",
            "is_primary",
            "metadata",
            "created_at",
        ]
        read_only_fields = ["product", "image", "original_filename", "width", "height", "file_size", "created_at"]

    def update(self, instance: ProductImage, validated_data: dict[str, Any]) -> ProductImage:
        request = self.context.get("request")
        return services.image_update(image=instance, user=getattr(request, "user", None), **validated_data)

    def to_representation(self, instance: ProductImage) -> dict[str, Any]:
        url = instance.image.url if instance.image else None
        request = self.context.get("request")
        if url and request is not None:
            url = request.build_absolute_uri(url)
        return {
            "id": instance.pk,
            "product": instance.product_id,
            "image": url,
            "original_filename": instance.original_filename,
            "width": instance.width,
            "height": instance.height,
            "file_size": instance.file_size,
            "alt_text": instance.alt_text,
            "sort_order": instance.sort_order,
            "is_primary": instance.is_primary,
            "metadata": instance.metadata,
            "created_at": _datetime(instance.created_at),
        }


class ProductImageUploadSerializer(serializers.Serializer):
    image = serializers.FileField(help_text="JPEG, PNG, WebP or GIF; size and pixel limits apply.")
    alt_text = serializers.CharField(max_length=255, required=False, allow_blank=True)
    is_primary = serializers.BooleanField(required=False, allow_null=True, default=None)
    sort_order = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=-(2**31))


# --- Category icons ---


class CategoryIconSerializer(serializers.ModelSerializer):
    """A category icon (seed 001 Icon); only `status` changes after upload (docs/catalog.md#category-icons)."""

    class Meta:
        model = CategoryIcon
        fields = ["id", "category", "image", "original_filename", "sha256", "width", "height", "file_size"]
        fields += ["format", "status", "created_at", "updated_at"]
        read_only_fields = [f for f in fields if f != "status"]

    def update(self, instance: CategoryIcon, validated_data: dict[str, Any]) -> CategoryIcon:
        request = self.context.get("request")
        return services.category_icon_set_status(
            icon=instance, status=validated_data.get("status", instance.status), user=getattr(request, "user", None)
        )


class CategoryIconUploadSerializer(serializers.Serializer):
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all())
    icon = serializers.FileField(help_text="PNG, JPEG, WebP or GIF, at most 2 MB; it becomes the active icon.")


# --- Metafield definitions ---


class MetafieldDefinitionSerializer(ServiceSerializerMixin, serializers.ModelSerializer):
    """A metafield definition; owner, namespace, key and type are fixed once an item has a value (409)."""

    create_service = services.metafield_definition_create
    update_service = services.metafield_definition_update
    instance_kwarg = "definition"

    validations = serializers.DictField(
        required=False, help_text='Any of {"min", "max", "regex", "choices"}, checked for every value.'
    )

    class Meta:
        model = MetafieldDefinition
        fields = ["id", "owner_type", "namespace", "key", "name", "description", "type", "validations"]
        fields += ["is_required", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        validators: list = []


# --- Products ---

PRODUCT_API_FIELDS = ["id", *PRODUCT_FIELD_NAMES, "version", "variants", "images", "created_at", "updated_at"]
CONTENT_API_FIELDS = ("short_description", *PRODUCT_CONTENT_TEXT_FIELDS)


class ProductVariantSerializer(VariantSerializer):
    """A variant inside a product write: with `id`, that variant of the product is updated; without, one is added."""

    id = StrictIntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="An existing variant of this product to update."
    )

    class Meta(VariantSerializer.Meta):
        read_only_fields = ["product"]
        # Optional here because an update of a variant named by `id` may leave it out; a new variant without
        # one is refused by the service (400 on variants.<position>.sku).
        extra_kwargs = {"sku": {"required": False}}


def _parts_error(exc: services.ProductPartsError) -> serializers.ValidationError:
    """The refused variants of a product save as field errors under `variants.<position>.<field>`."""
    details: list[dict[str, Any]] = [{} for _ in range(max(exc.variant_errors, default=-1) + 1)]
    for index, error in exc.variant_errors.items():
        if isinstance(error, DjangoValidationError):
            details[index] = serializers.as_serializer_error(error)
        else:
            details[index] = {api_settings.NON_FIELD_ERRORS_KEY: [error.message]}
    return serializers.ValidationError({"variants": details})


class ProductSerializer(ServiceSerializerMixin, serializers.ModelSerializer):
    """A product with its variants; a write saves the product and the variants it names in one `product_save`."""

    create_service = services.product_save
    update_service = services.product_save
    instance_kwarg = "product"

    version = StrictIntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text="Read: the current version. Update: send the version you read to get 409 instead of "
        "overwriting someone else's change.",
    )
    status = serializers.ChoiceField(choices=ProductStatus.choices, required=False)
    attributes = serializers.DictField(required=False, help_text="Values of the category's attributes.")
    metafields = serializers.DictField(
        required=False,
        help_text='Metafield values by "namespace.key", checked against /api/v1/metafield-definitions/.',
    )
    variants = ProductVariantSerializer(
        many=True,
        required=False,
        help_text="On a write: variants to add (no `id`) or to update (`id` of one of the product's variants); "
        "variants not named stay as they are. Any refused variant refuses the whole write.",
    )
    images = ProductImageSerializer(many=True, read_only=True)

    class Meta:
        model = Product
        fields = PRODUCT_API_FIELDS
        read_only_fields = ["created_at", "updated_at"]
        validators: list = []

    def validate_variants(self, items: list[dict[str, Any]]) -> list[services.VariantWrite]:
        ids = [item["id"] for item in items if "id" in item]
        own = {v.pk: v for v in self.instance.variants.filter(pk__in=ids)} if self.instance and ids else {}
        errors: list[dict[str, Any]] = [{} for _ in items]
        for index, item in enumerate(items):
            if "id" in item and item["id"] not in own:
                errors[index] = {"id": [f"The product has no variant #{item['id']}."]}
            elif "id" in item and "quantity" in item and item["quantity"] != own[item["id"]].quantity:
                errors[index] = {"quantity": [QUANTITY_READ_ONLY]}
        if any(errors):
            raise serializers.ValidationError(errors)
        writes = []
        for item in items:
            fields = {k: v for k, v in item.items() if k != "id"}
            writes.append(services.VariantWrite(fields=fields, variant=own.get(item["id"]) if "id" in item else None))
        return writes

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if isinstance(self.instance, Product):
            _quantity_unchanged(attrs, self.instance)
        return attrs

    def service_kwargs(self, validated_data: dict[str, Any]) -> dict[str, Any]:
        version = validated_data.pop("version", None)
        kwargs = {"variants": validated_data.pop("variants", []), "fields": validated_data}
        if self.instance is not None and version is not None:
            kwargs["expected_version"] = version
        return kwargs

    def create(self, validated_data: dict[str, Any]) -> Product:
        try:
            return super().create(validated_data)  # type: ignore[no-any-return]
        except services.ProductPartsError as exc:
            raise _parts_error(exc) from exc

    def update(self, instance: Product, validated_data: dict[str, Any]) -> Product:
        try:
            return super().update(instance, validated_data)  # type: ignore[no-any-return]
        except services.ProductPartsError as exc:
            raise _parts_error(exc) from exc

    def to_representation(self, instance: Product) -> dict[str, Any]:
        variant = self.fields["variants"].child  # type: ignore[attr-defined]
        image = self.fields["images"].child  # type: ignore[attr-defined]
        return {
            "id": instance.pk,
            "sku": instance.sku,
            "title": instance.title,
            "description": instance.description,
            "brand": instance.brand,
            "barcode": instance.barcode,
            "category": instance.category_id,
            "price": _money(instance.price),
            "compare_at_price": _money(instance.compare_at_price),
            "cost_price": _money(instance.cost_price),
            "currency": instance.currency,
            "quantity": instance.quantity,
            "weight_grams": instance.weight_grams,
            "length_mm": instance.length_mm,
            "width_mm": instance.width_mm,
            "height_mm": instance.height_mm,
            "status": instance.status,
            "attributes": instance.attributes,
            **{name: getattr(instance, name) for name in CONTENT_API_FIELDS},
            "metafields": instance.metafields,
            "version": instance.version,
            "variants": [variant.to_representation(v) for v in instance.variants.all()],
            "images": [image.to_representation(i) for i in instance.images.all()],
            "created_at": _datetime(instance.created_at),
            "updated_at": _datetime(instance.updated_at),
        }


# --- Bulk ---


BULK_MAX_ITEMS = 100  # one request holds its transaction (and SQLite's write lock) for the whole batch


class ProductBulkCreateSerializer(serializers.Serializer):
    policy = serializers.ChoiceField(choices=BULK_POLICY_CHOICES, default=BULK_REJECT_ALL)
    items = serializers.ListField(
        child=serializers.DictField(), min_length=1, max_length=BULK_MAX_ITEMS, help_text="Product objects."
    )


class ProductBulkUpdateSerializer(ProductBulkCreateSerializer):
    items = serializers.ListField(
        child=serializers.DictField(),
        min_length=1,
        max_length=BULK_MAX_ITEMS,
        help_text="Partial product objects, each with its `id` (and optionally `version`).",
    )


class BulkItemResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="Position of the item in the request.")
    status = serializers.ChoiceField(choices=BULK_ITEM_STATUSES)
    id = serializers.IntegerField(allow_null=True)
    errors = serializers.ListField(  # type: ignore[assignment]
        child=serializers.DictField(), help_text="The item's error, in the error response shape."
    )
    data = ProductSerializer(  # type: ignore[assignment]
        allow_null=True, help_text="The saved product, when applied."
    )


class BulkResultSerializer(serializers.Serializer):
    policy = serializers.ChoiceField(choices=BULK_POLICY_CHOICES)
    applied = serializers.IntegerField(help_text="Items saved.")
    failed = serializers.IntegerField(help_text="Items refused.")
    results = BulkItemResultSerializer(many=True)


class ProductArchiveSerializer(serializers.Serializer):
    """Body of POST /products/{id}/archive/ (docs/sync.md#deactivation)."""

    deactivate_listings = serializers.BooleanField(
        default=False,
        help_text="Also take the product's listings off their marketplaces (one deactivation job per channel). "
        "Without it, a product still on a marketplace is refused with 409 `live_listings` naming the channels.",
    )


class ProductMetafieldsSerializer(serializers.Serializer):
    """Body of PATCH /products/{id}/metafields/ (docs/catalog.md#metafields)."""

    values = serializers.DictField(
        child=serializers.JSONField(allow_null=True),
        allow_empty=False,
        help_text='{"namespace.key": value}: set or change these metafields (checked against their definitions); '
        'null or "" clears one. Metafields not named keep their values.',
    )
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="The product version you read; 409 when it changed since."
    )


class ProductDuplicateSerializer(serializers.Serializer):
    """Body of POST /products/{id}/duplicate/ (docs/api.md#duplicate-and-delete)."""

    sku = serializers.CharField(max_length=64, help_text="The copy's SKU; refused (400 on `sku`) when taken.")
    title = serializers.CharField(
        max_length=255, required=False, allow_blank=True, default="", help_text="Empty: the original's title."
    )
    variant_skus = serializers.DictField(
        child=serializers.CharField(max_length=64, allow_blank=True),
        required=False,
        default=dict,
        help_text="Original variant id -> its copy's SKU. Variants left out get the original's SKU with the "
        "product SKU prefix swapped for `sku`.",
    )

    def validate_variant_skus(self, value: dict[str, str]) -> dict[int, str]:
        if not all(str(key).isdigit() for key in value):
            raise serializers.ValidationError("Keys are the original variants' ids.")
        return {int(key): sku for key, sku in value.items()}
