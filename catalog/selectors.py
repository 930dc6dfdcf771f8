"""Reads of the catalog used by more than one caller."""

from django.db.models import Count, Q, QuerySet

from .choices import ProductStatus
from .models import Category, Product


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


def category_full_names() -> dict[int, str]:
    """Full 'A > B > C' names of every category in one query (the tree is small; products are many)."""
    rows = list(Category.objects.values_list("pk", "name", "path"))
    names = {pk: name for pk, name, _ in rows}
    return {pk: " > ".join(names.get(int(part), "?") for part in path.split("/") if part) for pk, _, path in rows}
