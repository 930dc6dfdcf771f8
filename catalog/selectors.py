"""Reads of the catalog used by more than one caller."""

from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, F, Model, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.text import capfirst

from accounts.models import AuditEntry

from .choices import IconStatus, MetafieldOwner, ProductStatus
from .metafields import metafield_text
from .models import (
    Category,
    CategoryIcon,
    MetafieldDefinition,
    Product,
    ProductImage,
    TitleLimit,
    Variant,
    strictest_title_limit,
)


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


# --- Product history (docs/pages.md#product-history) ---

HISTORY_LABELS = {"compare_at_price": "Compare-at price", "quantity": "Stock"}  # where the verbose name reads badly
IMAGE_VERBS = {"create": "added", "delete": "removed"}
HISTORY_VALUE_MAX = 60  # longer text (descriptions) and JSON fields are named in the sentence, not quoted
RelatedNames = Mapping[tuple[type[Model], Any], str]  # (related model, id) -> name


def product_history(product: Product, *, limit: int = 50) -> list[dict[str, Any]]:
    """The product's, its variants' and its images' audit entries, newest first, each change as a sentence a seller
    can read ("Category changed from Shirts to Polos", "Image back.png added"), with the raw field name and values
    kept beside it. Related ids are named with one query per related model for the whole page; a missing one
    reads "(deleted #7)". A removed image is found by the product its delete entry recorded."""
    variants = {v.pk: v for v in Variant.objects.filter(product=product).only("pk", "sku", "options")}
    images = [str(pk) for pk in ProductImage.objects.filter(product=product).values_list("pk", flat=True)]
    types = ContentType.objects.get_for_models(Product, Variant, ProductImage)
    product_type, variant_type, image_type = types[Product], types[Variant], types[ProductImage]
    removed = AuditEntry.objects.filter(content_type=image_type, action="delete", changes__product__0=product.pk)
    entries = list(
        AuditEntry.objects.filter(
            Q(content_type=product_type, object_id=str(product.pk))
            | Q(content_type=variant_type, object_id__in=[str(pk) for pk in variants])
            | Q(content_type=image_type, object_id__in=images)
            | Q(content_type=image_type, object_id__in=removed.values("object_id"))
        )
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )
    models_by_type = {variant_type.pk: Variant, image_type.pk: ProductImage}
    names = _history_related_names(entries, models_by_type)
    rows = []
    for entry in entries:
        model = models_by_type.get(entry.content_type_id, Product)
        if model is Variant:
            subject = _history_subject(entry, variants.get(int(entry.object_id)))
        elif model is ProductImage:
            subject = f"Image {entry.object_repr or '#' + entry.object_id}"
        else:
            subject = ""
        rows.append({"entry": entry, "changes": _history_changes(entry, model, subject, names)})
    return rows


def _history_related_names(entries: Sequence[Any], models_by_type: Mapping[int, type[Model]]) -> RelatedNames:
    """{(related model, id): name} of every foreign key value in `entries`: one query per related model."""
    wanted: dict[type[Model], set[Any]] = {}
    for entry in entries:
        model = models_by_type.get(entry.content_type_id, Product)
        for name, pair in (entry.changes or {}).items():
            field = _history_field(model, name)
            if field is not None and field.is_relation and field.related_model is not None:
                wanted.setdefault(field.related_model, set()).update(v for v in pair if v is not None)
    found = {}
    for related, ids in wanted.items():
        for obj in related._default_manager.filter(pk__in=ids):
            found[(related, obj.pk)] = getattr(obj, "name", None) or str(obj)
    return found


def _history_field(model: type[Model], name: str) -> Any:
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _history_subject(entry: Any, variant: Variant | None) -> str:
    """'Variant M / Blue': the variant's options, else its SKU (else what the entry recorded of it)."""
    if variant is None:
        return f"Variant {entry.object_repr or '#' + entry.object_id}"
    label = " / ".join(str(v) for v in (variant.options or {}).values())
    return f"Variant {label or variant.sku}"


def _history_changes(entry: Any, model: type[Model], subject: str, names: RelatedNames) -> list[dict[str, str]]:
    """One {sentence, raw} per change of an update; a create or delete is one sentence with the values as raw."""
    changes = entry.changes or {}
    raw = [f"{name}: {_history_raw(pair[0])} → {_history_raw(pair[1])}" for name, pair in changes.items()]
    if entry.action != "update":
        what = subject or "Product"
        verbs = IMAGE_VERBS if model is ProductImage else {"create": "created", "delete": "deleted"}
        verb = verbs.get(entry.action, entry.get_action_display().lower())
        return [{"sentence": f"{what} {verb}", "raw": "; ".join(raw)}]
    out = []
    for (name, pair), raw_line in zip(changes.items(), raw, strict=True):
        field = _history_field(model, name)
        label = HISTORY_LABELS.get(name) or (capfirst(str(field.verbose_name)) if field else name.replace("_", " "))
        if subject:
            label = f"{subject} {label[:1].lower()}{label[1:]}" if label != label.upper() else f"{subject} {label}"
        old, new = (_history_value(field, value, names) for value in pair)
        if old is None or new is None or max(len(old), len(new)) > HISTORY_VALUE_MAX:
            sentence = f"{label} changed"
        elif old == "":
            sentence = f"{label} set to {new}"
        elif new == "":
            sentence = f"{label} cleared (was {old})"
        else:
            sentence = f"{label} changed from {old} to {new}"
        out.append({"sentence": sentence, "raw": raw_line})
    return out


def _history_value(field: Any, value: Any, names: RelatedNames) -> str | None:
    """The value as a seller reads it: a related object's name, a choice's label; '' when empty; None for a
    value too structured to quote (JSON)."""
    if value is None or value == "":
        return ""
    if isinstance(value, dict | list):
        return None
    if field is not None and field.is_relation and field.related_model is not None:
        return names.get((field.related_model, value), f"(deleted #{value})")
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _history_raw(value: Any) -> str:
    return "—" if value is None else str(value)
