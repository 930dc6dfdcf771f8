"""Reads of the catalog used by more than one caller."""

from django.db.models import Count, Q, QuerySet

from .choices import ProductStatus
from .models import Product


def catalog_counts() -> dict[str, int]:
    return Product.objects.aggregate(
        products=Count("id"),
        active=Count("id", filter=Q(status=ProductStatus.ACTIVE)),
        draft=Count("id", filter=Q(status=ProductStatus.DRAFT)),
        archived=Count("id", filter=Q(status=ProductStatus.ARCHIVED)),
    )


def product_list(*, search: str = "") -> QuerySet[Product]:
    qs = Product.objects.select_related("category")
    if search:
        qs = qs.filter(Q(sku__icontains=search) | Q(title__icontains=search) | Q(barcode=search))
    return qs
