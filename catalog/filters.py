"""FilterSets of the catalog, shared by the staff list pages and the API viewsets."""

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.db.models.functions import Upper

from accounts.roles import channel_scoped, user_channels
from channels.models import Channel
from common.filters import HumanFilterSet
from listings.choices import ListingStatus
from listings.models import Listing

from .choices import ProductStatus
from .models import Category, Product, Variant
from .widgets import category_picker

# Columns a list may be sorted by: public name -> ORDER BY fields. `id` breaks ties so that paging is stable.
PRODUCT_SORTS: dict[str, tuple[Any, ...]] = {
    "sku": (Upper("sku"),),  # uses the unique index on UPPER(sku); case-insensitive order suits people too
    "title": ("title", "id"),
    "brand": ("brand", "id"),
    "price": ("price", "id"),
    "quantity": ("quantity", "id"),
    "status": ("status", "id"),
    "updated": ("updated_at", "id"),
    "id": ("id",),
}
PRODUCT_DEFAULT_SORT = "-id"
READY, BLOCKED = "ready", "blocked"
PRODUCT_READINESS_CHOICES = [
    (READY, "Ready on every channel it is on"),
    (BLOCKED, "Blocked on some channel"),
]


def _sort_choices() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for key in PRODUCT_SORTS:
        label = "Created" if key == "id" else key.upper() if key == "sku" else key.capitalize()
        out += [(key, f"{label} ↑"), (f"-{key}", f"{label} ↓")]
    return out


class ProductFilterSet(HumanFilterSet):
    """Search and filter products: free text over SKU/title/barcode, category subtree, brand, status, sort."""

    q = django_filters.CharFilter(
        method="filter_search",
        label="Search",
        widget=forms.TextInput(attrs={"placeholder": "SKU, title, barcode or variant SKU", "type": "search"}),
    )
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(), method="filter_category", label="Category", empty_label="Any category"
    )
    brand = django_filters.CharFilter(field_name="brand", label="Brand")
    status = django_filters.ChoiceFilter(choices=ProductStatus.choices, label="Status", empty_label="Any status")
    channel = django_filters.ModelChoiceFilter(
        queryset=user_channels, method="filter_channel", label="Listed on", empty_label="Any channel"
    )
    listing_status = django_filters.ChoiceFilter(
        choices=ListingStatus.choices,
        method="filter_listing_status",
        label="Listing status",
        empty_label="Any listing status",
    )
    readiness = django_filters.ChoiceFilter(
        choices=PRODUCT_READINESS_CHOICES,
        method="filter_readiness",
        label="Readiness",
        empty_label="Any readiness",
    )
    sort = django_filters.ChoiceFilter(
        choices=_sort_choices, method="filter_sort", label="Sort", empty_label="Newest first"
    )

    class Meta:
        model = Product
        fields = ["q", "category", "brand", "status"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category_picker(self.form.fields["category"])

    def filter_search(self, queryset: QuerySet[Product], name: str, value: str) -> QuerySet[Product]:
        """Every word must match (docs/catalog.md#search): "acme skirt" finds "Acme pleated skirt"."""
        return queryset.filter(product_search_condition(value))

    def filter_category(self, queryset: QuerySet[Product], name: str, value: Category) -> QuerySet[Product]:
        """The category and every category below it (one indexed prefix lookup on the materialised path)."""
        subtree = Category.objects.filter(path__startswith=value.path).values("pk")
        return queryset.filter(category_id__in=subtree)  # IN (ids) walks the category_id index; a join would scan

    def filter_channel(self, queryset: QuerySet[Product], name: str, value: Channel) -> QuerySet[Product]:
        return queryset.filter(pk__in=Listing.objects.filter(channel=value).values("product_id"))

    def filter_listing_status(self, queryset: QuerySet[Product], name: str, value: str) -> QuerySet[Product]:
        """Products with a listing in this status (on the chosen channel, if one is chosen)."""
        listings = Listing.objects.filter(status=value)
        channel = self.form.cleaned_data.get("channel")
        if channel is not None:
            listings = listings.filter(channel=channel)
        return queryset.filter(pk__in=listings.values("product_id"))

    def filter_readiness(self, queryset: QuerySet[Product], name: str, value: str) -> QuerySet[Product]:
        """From the stored verdicts (Listing.readiness_blocking): with a channel chosen, on that channel only.

        Ready = listed, and no listing (on the channel) has a blocking issue or lacks a verdict; blocked = at
        least one listing (on the channel) has a blocking issue. Both are IN / NOT IN subqueries over the
        (readiness_blocking, channel, product) index. A user limited to some channels is answered for those.
        """
        listings = channel_scoped(Listing.objects.all(), getattr(self.request, "user", None))
        channel = self.form.cleaned_data.get("channel")
        if channel is not None:
            listings = listings.filter(channel=channel)
        if value == BLOCKED:
            return queryset.filter(pk__in=listings.filter(readiness_blocking__gt=0).values("product_id"))
        not_ready = listings.filter(Q(readiness_blocking__gt=0) | Q(readiness_blocking__isnull=True))
        listed = queryset if channel is not None else queryset.filter(pk__in=listings.values("product_id"))
        return listed.exclude(pk__in=not_ready.values("product_id"))

    def filter_sort(self, queryset: QuerySet[Product], name: str, value: str) -> QuerySet[Product]:
        return queryset  # applied in `qs` so that the default order holds when the field is empty

    @property
    def qs(self) -> QuerySet[Product]:
        if not hasattr(self, "_sorted_qs"):
            queryset = super().qs  # validates the bound form first
            sort = self.form.cleaned_data.get("sort") if self.is_bound else ""
            self._sorted_qs = queryset.order_by(*product_ordering(sort))
        return self._sorted_qs


def _word_condition(word: str, prefix: str = "") -> Q:
    """One search word: SKU prefix (index-friendly) or title substring on the product or any of its variants'
    SKUs; a digits-only word also matches the product's or a variant's barcode exactly."""
    product_ids = f"{prefix}pk__in" if prefix else "pk__in"
    condition = Q(**{f"{prefix}sku__istartswith": word}) | Q(**{f"{prefix}title__icontains": word})
    condition |= Q(**{product_ids: Variant.objects.filter(sku__istartswith=word).values("product_id")})
    if word.isdigit():
        condition |= Q(**{f"{prefix}barcode": word})
        condition |= Q(**{product_ids: Variant.objects.filter(barcode=word).values("product_id")})
    return condition


def product_search_condition(value: str, prefix: str = "") -> Q:
    """The free-text search of products, shared by the product and listing filters (prefix "product__" there).

    The words of the query are matched separately and all of them must match, each anywhere among the SKU,
    title, barcode and the variants' SKUs and barcodes (docs/catalog.md#search). An empty query matches all.
    """
    condition = Q()
    for word in value.split():
        condition &= _word_condition(word, prefix)
    return condition


def product_ordering(sort: str | None) -> tuple[Any, ...]:
    """ORDER BY fields for a public sort key such as 'title' or '-price'; unknown keys fall back to newest first."""
    sort = sort or PRODUCT_DEFAULT_SORT
    descending = sort.startswith("-")
    fields = PRODUCT_SORTS.get(sort.lstrip("-"))
    if fields is None:
        return ("-id",)
    if not descending:
        return fields
    return tuple(f.desc() if hasattr(f, "desc") else f"-{f}" for f in fields)
