"""WSGI app for bench_api: the real URLconf plus a naive DRF endpoint serving the same product list.

The baseline is what a first DRF version looks like: ModelViewSet + ModelSerializers with the same fields and
nesting (variants, images), no select/prefetch, generic field-by-field rendering, same auth and pagination.
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.urls import include, path  # noqa: E402
from rest_framework import serializers, viewsets  # noqa: E402

from catalog.models import Product, ProductImage, Variant  # noqa: E402


class PlainVariantSerializer(serializers.ModelSerializer):
    class Meta:
        model = Variant
        fields = ["id", "product", "sku", "options", "price", "compare_at_price", "quantity", "barcode", "position"]


class PlainImageSerializer(serializers.ModelSerializer):
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


class PlainProductSerializer(serializers.ModelSerializer):
    variants = PlainVariantSerializer(many=True, read_only=True)
    images = PlainImageSerializer(many=True, read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "sku",
            "title",
            "description",
            "brand",
            "manufacturer",
            "mpn",
            "barcode",
            "category",
            "price",
            "compare_at_price",
            "cost_price",
            "currency",
            "quantity",
            "weight_grams",
            "length_mm",
            "width_mm",
            "height_mm",
            "status",
            "attributes",
            "version",
            "variants",
            "images",
            "created_at",
            "updated_at",
        ]


class PlainProductViewSet(viewsets.ModelViewSet):
    queryset = Product.objects.all()
    serializer_class = PlainProductSerializer
    required_role_area = "catalog"
    filter_backends: list = []


urlpatterns = [
    path("bench/plain/products/", PlainProductViewSet.as_view({"get": "list"})),
    path("", include("config.urls")),
]

settings.ROOT_URLCONF = __name__
application = get_wsgi_application()
