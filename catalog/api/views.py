"""Catalog API: products (with variants and images), categories, variants, images, bulk product writes."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from catalog import services
from catalog.api.filters import (
    CategoryFilterSet,
    CategoryIconFilterSet,
    ProductApiFilterSet,
    ProductImageFilterSet,
    VariantFilterSet,
)
from catalog.importing import workbooks
from catalog.importing.views import export_response
from catalog.models import Category, CategoryIcon, MetafieldDefinition, Product, ProductImage, Variant
from common.api.bulk import bulk_apply
from common.api.exports import export_action
from common.api.serializers import MAX_ID

from .serializers import (
    BulkResultSerializer,
    CategoryIconSerializer,
    CategoryIconUploadSerializer,
    CategorySerializer,
    MetafieldDefinitionSerializer,
    ProductArchiveSerializer,
    ProductBulkCreateSerializer,
    ProductBulkUpdateSerializer,
    ProductDuplicateSerializer,
    ProductImageSerializer,
    ProductImageUploadSerializer,
    ProductMetafieldsSerializer,
    ProductSerializer,
    VariantSerializer,
)

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description='ETag from a GET (e.g. "3"); the update is refused with 412 if the product changed since.',
)
ETAG_HEADER = OpenApiResponse(ProductSerializer, description="The product; its `ETag` header is its version.")


def product_etag(product: Product) -> str:
    return f'"{product.version}"'


# --- Categories ---


class CategoryViewSet(viewsets.ModelViewSet):
    """The category tree, in depth-first order. Deleting a category that still has products or children is 409."""

    required_role_area = "catalog"

    queryset = Category.objects.all()
    serializer_class = CategorySerializer
    filterset_class = CategoryFilterSet
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        # `full_name` walks the ancestors: one query for the whole page instead of one per row.
        ancestor_ids = {i for c in rows for i in c.ancestor_ids()}
        names = dict(Category.objects.filter(pk__in=ancestor_ids).values_list("pk", "name"))
        context = {**self.get_serializer_context(), "category_names": names}
        data = self.get_serializer(rows, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def perform_destroy(self, instance: Category) -> None:
        services.category_delete(category=instance, user=self.request.user)


# --- Metafield definitions ---


class MetafieldDefinitionViewSet(viewsets.ModelViewSet):
    """Shopify-style metafield definitions (docs/catalog.md#metafields); delete is 409 while values exist."""

    required_role_area = "catalog"

    queryset = MetafieldDefinition.objects.all()
    serializer_class = MetafieldDefinitionSerializer
    filterset_fields = ["owner_type", "namespace", "type", "is_required"]
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def perform_destroy(self, instance: MetafieldDefinition) -> None:
        services.metafield_definition_delete(definition=instance, user=self.request.user)


# --- Products ---


@extend_schema_view(
    retrieve=extend_schema(responses={200: ETAG_HEADER}),
    update=extend_schema(parameters=[IF_MATCH]),
    partial_update=extend_schema(parameters=[IF_MATCH]),
)
class ProductViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Master products with their variants and images.

    Concurrency: every product has a `version`, also sent as its `ETag`. Send `If-Match: "<version>"` (412 if
    it no longer matches) or `version` in the body (409 if it no longer matches) so that two clients cannot
    silently overwrite each other. DELETE removes a product with its variants and images; it is refused with
    409 `listed` (naming the listings) while a marketplace holds one of its listings. `archive` keeps history.
    """

    serializer_class = ProductSerializer
    filterset_class = ProductApiFilterSet
    required_role_area = "catalog"
    extra_error_statuses = {"update": ["412"], "partial_update": ["412"], "images": ["413"]}

    def get_queryset(self):
        return Product.objects.select_related("category").prefetch_related(
            Prefetch("variants", queryset=Variant.objects.order_by("position", "id")),
            Prefetch("images", queryset=ProductImage.objects.order_by("-is_primary", "sort_order", "id")),
        )

    @export_action
    def export(self, request: Request) -> Any:
        """Download the filtered, sorted products and their variants as XLSX (default) or CSV, in the import's
        columns (the file imports back as unchanged); streamed, formula-like cells neutralised."""

        kind = request.query_params.get("format", "xlsx")
        queryset = self.filter_queryset(Product.objects.all())
        return export_response(kind, workbooks.export_rows(queryset), "products", "Products")

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        product = self.get_object()
        response = Response(self.get_serializer(product).data)
        response["ETag"] = product_etag(product)
        return response

    def _if_match_failed(self, product: Product) -> bool:
        header = self.request.headers.get("If-Match", "").strip()
        if not header or header == "*":
            return False
        tags = [t.strip().removeprefix("W/") for t in header.split(",")]
        return product_etag(product) not in tags

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        product = self.get_object()
        if self._if_match_failed(product):
            body = {
                "status": 412,
                "code": "precondition_failed",
                "detail": f'The product is now at version {product.version} (ETag "{product.version}"), '
                "not the one If-Match names. Re-read it and retry.",
                "errors": [],
            }
            return Response(body, status=status.HTTP_412_PRECONDITION_FAILED)
        expected = product.version if request.headers.get("If-Match", "").strip() not in ("", "*") else None
        serializer = self.get_serializer(product, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        if expected is not None:
            serializer.validated_data.setdefault("version", expected)
        product = serializer.save()
        product = self.get_queryset().get(pk=product.pk)
        response = Response(self.get_serializer(product).data)
        response["ETag"] = product_etag(product)
        return response

    def perform_create(self, serializer: Any) -> None:
        product = serializer.save()
        serializer.instance = self.get_queryset().get(pk=product.pk)

    def perform_destroy(self, instance: Product) -> None:
        services.product_delete(product=instance, user=self.request.user)

    @extend_schema(request=ProductDuplicateSerializer, responses={201: ProductSerializer})
    @action(detail=True, methods=["post"])
    def duplicate(self, request: Request, pk: str | None = None) -> Response:
        """Copy the product under a new `sku`: fields, attributes, variants (new SKUs) and images; no listings.
        The copy is a draft with no stock and no barcode."""
        body = ProductDuplicateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        copy = services.product_duplicate(product=self.get_object(), user=request.user, **body.validated_data)
        data = self.get_serializer(self.get_queryset().get(pk=copy.pk)).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ProductMetafieldsSerializer, responses={200: ProductSerializer})
    @action(detail=True, methods=["patch"])
    def metafields(self, request: Request, pk: str | None = None) -> Response:
        """Set, change or clear some metafields of the product, keeping the others (the staff metafields page's
        service): a value of the wrong type, one outside its validations or an undefined key is 400 naming the
        metafield, and nothing is saved."""
        body = ProductMetafieldsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        product = services.product_metafields_update(
            product=self.get_object(),
            values=body.validated_data["values"],
            user=request.user,
            expected_version=body.validated_data.get("version"),
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=product.pk)).data)

    @extend_schema(request=ProductArchiveSerializer, responses={200: ProductSerializer})
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        """Archive the product (status `archived`); listings keep their history. A product still on a marketplace
        needs `{"deactivate_listings": true}` (its listings are then deactivated in background jobs); without it
        the answer is 409 `live_listings` with the `channels` it is on."""
        body = ProductArchiveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        product = services.product_archive(
            product=self.get_object(), user=request.user, deactivate_listings=body.validated_data["deactivate_listings"]
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=product.pk)).data)

    @extend_schema(
        request={"multipart/form-data": ProductImageUploadSerializer},
        responses={201: ProductImageSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def images(self, request: Request, pk: str | None = None) -> Response:
        """Upload one image (multipart). Duplicates of an image already on the product are refused."""
        product = self.get_object()
        upload = ProductImageUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        image = services.image_add(
            product=product,
            upload=data["image"],
            filename=data["image"].name,
            alt_text=data.get("alt_text", ""),
            is_primary=data.get("is_primary"),
            sort_order=data.get("sort_order"),
            user=request.user,
        )
        context = self.get_serializer_context()
        return Response(ProductImageSerializer(image, context=context).data, status=status.HTTP_201_CREATED)

    # --- Bulk ---

    @extend_schema(request=ProductBulkCreateSerializer, responses={200: BulkResultSerializer})
    @action(detail=False, methods=["post"], url_path="bulk-create")
    def bulk_create(self, request: Request) -> Response:
        """Create up to 100 products. `reject_all` applies nothing if any item fails; `skip_failed` saves the rest."""
        body = ProductBulkCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._bulk(body.validated_data["policy"], body.validated_data["items"], instances=None)

    @extend_schema(request=ProductBulkUpdateSerializer, responses={200: BulkResultSerializer})
    @action(detail=False, methods=["post"], url_path="bulk-update")
    def bulk_update(self, request: Request) -> Response:
        """Partially update up to 100 products, each item naming its `id` (and optionally its `version`)."""
        body = ProductBulkUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        items = body.validated_data["items"]
        ids = [item["id"] for item in items if isinstance(item.get("id"), int) and 0 < item["id"] <= MAX_ID]
        instances = {p.pk: p for p in Product.objects.filter(pk__in=ids)}
        return self._bulk(body.validated_data["policy"], items, instances=instances)

    def _bulk_item(self, item: dict[str, Any], instances: dict[int, Product] | None) -> tuple[str, Product]:
        context = self.get_serializer_context()
        if instances is None:
            serializer = ProductSerializer(data=item, context=context)
            verb = "created"
        else:
            item_id = item.get("id")
            product = instances.get(item_id) if isinstance(item_id, int) and not isinstance(item_id, bool) else None
            if product is None:
                raise exceptions.ValidationError({"id": ["No product with this id."]}, code="not_found")
            serializer = ProductSerializer(product, data=item, partial=True, context=context)
            verb = "updated"
        serializer.is_valid(raise_exception=True)
        return verb, serializer.save()

    def _bulk(self, policy: str, items: list[dict[str, Any]], instances: dict[int, Product] | None) -> Response:
        results, saved = bulk_apply(items, policy, lambda item: self._bulk_item(item, instances))
        rows = {p.pk: p for p in self.get_queryset().filter(pk__in=[p.pk for p in saved])}
        for r in results:
            row = rows.get(r["id"]) if r["id"] is not None else None
            r["data"] = self.get_serializer(row).data if row else None
        failed = sum(1 for r in results if r["status"] == "failed")
        return Response({"policy": policy, "applied": len(saved), "failed": failed, "results": results})


# --- Variants and images ---


class VariantViewSet(viewsets.ModelViewSet):
    """Variants of products; `product` is set on create and fixed afterwards."""

    required_role_area = "catalog"

    queryset = Variant.objects.all()
    serializer_class = VariantSerializer
    filterset_class = VariantFilterSet
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def perform_destroy(self, instance: Variant) -> None:
        services.variant_delete(variant=instance, user=self.request.user)


@extend_schema_view(
    create=extend_schema(
        request={"multipart/form-data": CategoryIconUploadSerializer},
        responses={201: CategoryIconSerializer},
        description="Upload a category's icon; it becomes the active one. The same bytes again re-activate the "
        "stored icon (200) instead of storing a copy.",
    )
)
class CategoryIconViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Category icons (seed 001 Icon): upload, list, activate or deactivate (PATCH status), delete."""

    queryset = CategoryIcon.objects.select_related("category")
    serializer_class = CategoryIconSerializer
    required_role_area = "catalog"
    filterset_class = CategoryIconFilterSet
    parser_classes = [MultiPartParser, FormParser, *viewsets.GenericViewSet.parser_classes]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        upload = CategoryIconUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        category = upload.validated_data["category"]
        known = set(category.icons.values_list("pk", flat=True))
        icon = services.category_icon_add(category=category, upload=upload.validated_data["icon"], user=request.user)
        data = self.get_serializer(icon).data
        return Response(data, status=status.HTTP_200_OK if icon.pk in known else status.HTTP_201_CREATED)

    def perform_destroy(self, instance: CategoryIcon) -> None:
        services.category_icon_delete(icon=instance, user=self.request.user)


class ProductImageViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Product images: read, change alt text/order/primary flag, delete. Upload with POST products/{id}/images/."""

    queryset = ProductImage.objects.all()
    serializer_class = ProductImageSerializer
    required_role_area = "catalog"
    filterset_class = ProductImageFilterSet

    def perform_destroy(self, instance: ProductImage) -> None:
        services.image_delete(image=instance, user=self.request.user)
