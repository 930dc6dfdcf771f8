"""API FilterSets of the catalog.

`ProductApiFilterSet` extends the pages' `catalog.filters.ProductFilterSet` (same search, brand, status and
sort) so that both lists filter alike. The API differs where a page's <select> does not fit a client: ids
are plain integers (an unknown id gives an empty page, not a 400) and a few range filters are added.
The other FilterSets have no page counterpart yet; move them to catalog/filters.py when a page needs them.
"""

import django_filters
from django.db.models import Q, QuerySet

from catalog.choices import IconStatus
from catalog.filters import ProductFilterSet
from catalog.models import Category, CategoryIcon, Product, ProductImage, Variant
from common.filters import HumanFilterSet


class ProductApiFilterSet(ProductFilterSet):
    category = django_filters.NumberFilter(
        method="filter_category_id", label="Category id (includes its subcategories)"
    )
    sku = django_filters.CharFilter(field_name="sku", lookup_expr="iexact", label="SKU (exact, any case)")
    price_min = django_filters.NumberFilter(field_name="price", lookup_expr="gte", label="Price from")
    price_max = django_filters.NumberFilter(field_name="price", lookup_expr="lte", label="Price to")
    in_stock = django_filters.BooleanFilter(method="filter_in_stock", label="In stock (product or any variant)")
    updated_after = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte", label="Updated from")
    updated_before = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="lt", label="Updated before")

    class Meta(ProductFilterSet.Meta):
        fields = ["q", "category", "brand", "status", "sku"]

    def __init__(self, *args, **kwargs):
        super(ProductFilterSet, self).__init__(*args, **kwargs)  # skip the page's <select> labelling

    def filter_category_id(self, queryset: QuerySet[Product], name: str, value: float) -> QuerySet[Product]:
        category = Category.objects.filter(pk=int(value)).only("path").first() if value == int(value) else None
        if category is None:
            return queryset.none()
        return queryset.filter(category__path__startswith=category.path)

    def filter_in_stock(self, queryset: QuerySet[Product], name: str, value: bool | None) -> QuerySet[Product]:
        if value is None:
            return queryset
        matching = Product.objects.filter(Q(quantity__gt=0) | Q(variants__quantity__gt=0)).values("pk")
        return queryset.filter(pk__in=matching) if value else queryset.exclude(pk__in=matching)


class CategoryFilterSet(HumanFilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Name contains")
    parent = django_filters.NumberFilter(field_name="parent_id", label="Parent category id")
    is_root = django_filters.BooleanFilter(field_name="parent", lookup_expr="isnull", label="Top level only")
    is_active = django_filters.BooleanFilter(label="Active")

    class Meta:
        model = Category
        fields = ["q", "parent", "is_root", "is_active"]


class VariantFilterSet(HumanFilterSet):
    product = django_filters.NumberFilter(field_name="product_id", label="Product id")
    sku = django_filters.CharFilter(lookup_expr="iexact", label="SKU")

    class Meta:
        model = Variant
        fields = ["product", "sku"]


class CategoryIconFilterSet(HumanFilterSet):
    category = django_filters.NumberFilter(field_name="category_id", label="Category id")
    status = django_filters.ChoiceFilter(choices=IconStatus.choices, label="Status")

    class Meta:
        model = CategoryIcon
        fields = ["category", "status"]


class ProductImageFilterSet(HumanFilterSet):
    product = django_filters.NumberFilter(field_name="product_id", label="Product id")
    is_primary = django_filters.BooleanFilter(label="Primary image")

    class Meta:
        model = ProductImage
        fields = ["product", "is_primary"]
