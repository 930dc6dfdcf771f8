"""Reads of the catalog used by more than one caller."""

from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from .choices import IconStatus, MetafieldOwner, ProductStatus
from .metafields import metafield_text
from .models import Category, CategoryIcon, MetafieldDefinition, Product, TitleLimit, Variant, strictest_title_limit


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


STOCK_TOTAL = "stock_total"  # the annotation product_stock_total() is added as


def product_stock_total() -> Coalesce:
    """A product's stock for lists: the sum of its variants' quantities for a family (the product's own quantity
    is 0 then), else its own quantity. Each catalog quantity is the available stock written from the ledger
    (docs/pages.md#family-stock); one correlated subquery, so a page of products costs no extra query."""
    family = (
        Variant.objects.filter(product_id=OuterRef("pk"))
        .order_by()
        .values("product_id")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    return Coalesce(Subquery(family), F("quantity"))


def category_full_names() -> dict[int, str]:
    """Full 'A > B > C' names of every category in one query (the tree is small; products are many)."""
    rows = list(Category.objects.values_list("pk", "name", "path"))
    names = {pk: name for pk, name, _ in rows}
    return {pk: " > ".join(names.get(int(part), "?") for part in path.split("/") if part) for pk, _, path in rows}


def metafield_required_keys() -> tuple[str, ...]:
    """'namespace.key' of every required product metafield (readiness on Shopify, docs/catalog.md#metafields)."""
    rows = MetafieldDefinition.objects.filter(owner_type=MetafieldOwner.PRODUCT, is_required=True)
    return tuple(f"{ns}.{key}" for ns, key in rows.values_list("namespace", "key").order_by("namespace", "key"))


def metafield_payload_values(
    values: Mapping[str, Any], owner_type: str, definitions: Sequence[MetafieldDefinition] | None = None
) -> list[tuple[str, str, str, str]]:
    """(namespace, key, type, value as Shopify text) of the defined metafields among `values` (one query, none
    when the owner type's `definitions` are given, as for each variant of a payload)."""
    if not values:
        return []
    out = []
    if definitions is None:
        definitions = list(MetafieldDefinition.objects.filter(owner_type=owner_type).order_by("namespace", "key"))
    for definition in definitions:
        value = values.get(f"{definition.namespace}.{definition.key}")
        if value is None or value == "":
            continue
        out.append((definition.namespace, definition.key, definition.type, metafield_text(definition.type, value)))
    return out


def category_icon_nearest(category: Category) -> CategoryIcon | None:
    """The active icon of `category`, else of its nearest ancestor with one (docs/catalog.md#category-icons)."""
    lineage = category.ancestor_ids() or [category.pk]
    icons = {i.category_id: i for i in CategoryIcon.objects.filter(category_id__in=lineage, status=IconStatus.ACTIVE)}
    return next((icons[c] for c in reversed(lineage) if c in icons), None)


def category_active_icons() -> dict[int, CategoryIcon]:
    """Every category's active icon, by category id: one query for the category tree."""
    return {i.category_id: i for i in CategoryIcon.objects.filter(status=IconStatus.ACTIVE)}


def category_title_limit_setters() -> dict[int, tuple[str, int]]:
    """{category id: (name, title limit)} of the categories that set one: few, read in one query, so a form can
    label every category of its select with the limit it inherits (docs/catalog.md#title-length)."""
    rows = Category.objects.filter(title_max_length__isnull=False).values_list("pk", "name", "title_max_length")
    return {pk: (name, limit) for pk, name, limit in rows if limit is not None}


def category_title_limit_in(category: Category, setters: Mapping[int, tuple[str, int]]) -> TitleLimit | None:
    """The category's title limit from `category_title_limit_setters()`, without a query."""
    return strictest_title_limit([setters[i] for i in category.ancestor_ids() if i in setters])


def product_metafield_rows(product: Product) -> list[dict[str, Any]]:
    """One row per product metafield definition with the product's value as text (None: no value), one query."""
    values = product.metafields or {}
    rows = []
    for definition in MetafieldDefinition.objects.filter(owner_type=MetafieldOwner.PRODUCT):
        key = f"{definition.namespace}.{definition.key}"
        value = values.get(key)
        rows.append(
            {
                "key": key,
                "label": definition.name or key,
                "is_required": definition.is_required,
                "value": None if value is None else metafield_text(definition.type, value),
            }
        )
    return rows


def variant_metafield_definitions() -> list[MetafieldDefinition]:
    """The variant-owned metafield definitions in payload order (one query for all of a product's variants)."""
    return list(MetafieldDefinition.objects.filter(owner_type=MetafieldOwner.VARIANT).order_by("namespace", "key"))
