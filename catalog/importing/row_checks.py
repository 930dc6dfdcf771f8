"""The row checks of an import: what each parsed row does (create, update, unchanged or error), and why not.

The checks are the catalog's own, run on values already in memory: the same validators (`catalog.validators`,
applied by the parser), the same Product/Variant `clean()` rules and attribute definitions. A chunk's stored
rows are read with one lookup in products and one in variants, whatever the chunk's size.
"""

import re
from decimal import Decimal
from typing import Any

from django.db import connection

from common import events
from common.actors import Actor

from ..choices import AttributeType, MetafieldOwner, ProductStatus
from ..events import PRODUCTS_ARCHIVING_CHECK
from ..fields import PRODUCT_CONTENT_TEXT_FIELDS, PRODUCT_MEASURE_FIELDS
from ..metafields import MetafieldError, full_key, metafield_value
from ..models import Category, TitleLimit, metafield_definitions
from ..services import category_attribute_definitions, category_get_or_create_path, sanitize_description
from ..validators import attribute_value_error, category_title_error
from . import columns as col
from .channels import channel_names
from .rows import Row
from .sql import RowReader

PRODUCT_FIELDS: tuple[str, ...] = (
    "title",
    "description",
    "brand",
    "price",
    "currency",
    "compare_at_price",
    "cost_price",
)
PRODUCT_FIELDS += ("quantity", "barcode", *PRODUCT_MEASURE_FIELDS, "status", "short_description")
PRODUCT_FIELDS += PRODUCT_CONTENT_TEXT_FIELDS
PRODUCT_FIELDS += ("metafields",)
VARIANT_FIELDS = ("price", "compare_at_price", "quantity", "barcode")
# The blank-cell rule on updates (a new row simply takes the model defaults):
# - a column that is absent leaves the field as it is;
# - a blank cell of a present column clears an optional field to these values;
# - a blank cell of any other present field column is a per-cell error (nothing on the row is written).
PRODUCT_CLEARED: dict[str, Any] = {
    "description": "",
    "brand": "",
    "compare_at_price": None,
    "cost_price": None,
    "barcode": "",
    **dict.fromkeys(PRODUCT_MEASURE_FIELDS),
    "short_description": "",
    **dict.fromkeys(PRODUCT_CONTENT_TEXT_FIELDS, ""),
}
VARIANT_CLEARED: dict[str, Any] = {"price": None, "compare_at_price": None, "barcode": ""}
BLANK_REFUSED = (
    "{column} cannot be blank on an existing {kind}: a blank cell clears a field, and this one is required. "
    "Give a value, or leave the column out to keep the current values."
)
UNSAFE_HTML_CHARS = ("<", ">", "&", "\x00")  # text without these is returned unchanged by nh3
_UNSAFE_HTML = re.compile("[" + re.escape("".join(UNSAFE_HTML_CHARS)) + "]")


def _coerce_attribute(kind: str, value: Any) -> Any:
    if kind == AttributeType.NUMBER and isinstance(value, str):
        try:
            return int(value) if value.lstrip("-").isdigit() else float(Decimal(value.replace(",", ".")))
        except ArithmeticError:
            return value
    if kind == AttributeType.BOOLEAN and isinstance(value, str | int):
        return {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}.get(
            str(value).lower(), value
        )
    if kind == AttributeType.TEXT and not isinstance(value, str):
        return str(value)
    return value


def clean_description(text: str) -> str:
    return sanitize_description(text) if _UNSAFE_HTML.search(text) else text


class RowChecks:
    """Decide each row's action for one run, remembering what earlier chunks saw (SKUs, categories, definitions).

    `check(chunk)` sets `row.action` (and `row.target`, `row.changes`) or records the row's errors. At commit the
    stored rows are read locked (on databases that lock rows), in the transaction that writes the chunk.
    """

    def __init__(
        self,
        *,
        cmap: col.ColumnMap,
        commit: bool,
        user: Actor,
        product_reader: RowReader,
        variant_reader: RowReader,
    ) -> None:
        self.cmap, self.commit, self.user = cmap, commit, user
        self.product_reader, self.variant_reader = product_reader, variant_reader
        self.seen: dict[str, tuple[int, str]] = {}  # upper SKU -> (row number, "product" | "variant")
        self.categories: dict[tuple[str, ...], Category | None] = {}
        self.categories_as_written: dict[tuple[str, ...], Category | None] = {}
        self.definitions: dict[int, list[Any]] = {}
        self.title_limits: dict[int, TitleLimit | None] = {}  # category id -> its products' title limit
        self.nearest_existing: dict[tuple[str, ...], Category | None] = {}  # dry run: deepest existing level
        self.channel_names = channel_names() if cmap.has("channels") else {}
        self.not_products: set[str] = set()  # SKUs of this chunk already found not to be products
        self.not_variants: set[str] = set()  # ... and not to be variants
        self.metafield_definitions = (
            {full_key(d): d for d in metafield_definitions(MetafieldOwner.PRODUCT)} if cmap.metafields else {}
        )

    def check(self, chunk: list[Row]) -> None:
        products, variants = self._lookup(chunk)
        for row in chunk:
            if not row.errors:
                self._dedupe(row)
            if not row.errors:
                if row.parent_sku:
                    self._variant_row(row, products, variants)
                else:
                    self._product_row(row, products, variants)
        self._check_archiving(chunk)
        for row in chunk:
            if row.errors:
                row.action = "error"

    @staticmethod
    def _check_archiving(chunk: list[Row]) -> None:
        """A row that archives a product still on a marketplace is refused (docs/sync.md#deactivation): the
        import cannot take listings off the marketplaces, the product page and the API can."""
        archiving = {
            row.target["id"]: row
            for row in chunk
            if not row.errors
            and row.action != "create"
            and row.changes.get("status", (None, None))[1] == ProductStatus.ARCHIVED
            and row.target
            and row.target.get("id")
        }
        if not archiving:
            return
        refusals: dict[int, str] = {}
        events.publish(PRODUCTS_ARCHIVING_CHECK, product_ids=list(archiving), refusals=refusals)
        for product_id, reason in refusals.items():
            archiving[product_id].fail(
                "status",
                ProductStatus.ARCHIVED,
                f"{reason}: archiving it here would leave it for sale there. Archive it from the product page or "
                'the API with its listings deactivated ("deactivate_listings": true).',
            )

    def _lookup(self, chunk: list[Row]) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
        keys = {r.sku.upper() for r in chunk if r.sku} | {r.parent_sku.upper() for r in chunk if r.parent_sku}
        lock = self.commit and connection.features.has_select_for_update
        products = self.product_reader.by_sku(keys - self.not_products, lock=lock)
        return products, self.variant_reader.by_sku(keys - self.not_variants, lock=lock)

    def _dedupe(self, row: Row) -> None:
        key = row.sku.upper()  # type: ignore[union-attr]
        earlier = self.seen.get(key)
        if earlier:
            row.fail("sku", row.sku, f"SKU '{row.sku}' is also on row {earlier[0]}; each SKU may appear once.")
        else:
            self.seen[key] = (row.number, "variant" if row.parent_sku else "product")

    # --- categories and attributes ---

    def category_for_path(self, path: tuple[str, ...]) -> Category | None:
        """The category a path names (created at commit, None in a dry run when it does not exist yet)."""
        found = self.categories_as_written.get(path, False)  # rows repeat a few spellings: skip lower-casing
        if found is not False:
            return found  # type: ignore[return-value]
        key = tuple(n.lower() for n in path)
        self.categories_as_written[path] = self._category_by_key(key, path)
        return self.categories_as_written[path]

    def _category_by_key(self, key: tuple[str, ...], path: tuple[str, ...]) -> Category | None:
        if key not in self.categories:
            if self.commit:
                self.categories[key] = category_get_or_create_path(names=list(path), user=self.user)
            else:
                parent: Category | None = None
                complete = True
                for name in path:
                    found = Category.objects.filter(parent=parent, name__iexact=name).first()
                    if found is None:
                        complete = False
                        break
                    parent = found
                self.categories[key] = parent if complete else None  # None: created at commit
                self.nearest_existing[key] = parent  # its title limit binds the levels created at commit
        return self.categories[key]

    def definitions_for(self, category: Category) -> list[Any]:
        """The category's attribute definitions (own and inherited), read once per run."""
        if category.pk not in self.definitions:
            self.definitions[category.pk] = category_attribute_definitions(category)
        return self.definitions[category.pk]

    def _attribute_errors(self, category: Category | None, attributes: dict[str, Any]) -> dict[str, Any]:
        """Check (and coerce text cells of) attributes like `attributes_validate`, with definitions cached."""
        if category is None:
            return {}
        problems: dict[str, Any] = {}
        for definition in self.definitions_for(category):
            value = attributes.get(definition.code)
            if value in (None, ""):
                if definition.is_required:
                    problems[f"attr:{definition.code}"] = f"'{definition.code}' ({definition.label}) is required."
                continue
            value = attributes[definition.code] = _coerce_attribute(definition.type, value)
            message = attribute_value_error(definition, value)
            if message:
                problems[f"attr:{definition.code}"] = message
        return problems

    # --- product rows ---

    def _product_row(self, row: Row, products: dict[str, Any], variants: dict[str, Any]) -> None:
        key = row.sku.upper()  # type: ignore[union-attr]
        if key in variants:
            other = variants[key]
            row.fail("sku", row.sku, f"SKU '{row.sku}' is a variant of product {other['parent_sku']}; fill parent_sku.")
            return
        self._check_channels(row)
        if row.metafields:
            row.metafields = self._metafields_normalised(row)
        existing = products.get(key)
        values = row.values
        for html in ("description", "short_description"):
            if html in values and (existing is None or values[html] != existing[html]):
                values[html] = clean_description(values[html])
        category = self.category_for_path(row.category_path) if row.category_path else None
        if category is not None or row.category_path:
            values["category_id"] = category.pk if category else -1  # -1: a category created at commit
        if existing is None:
            for required in ("title", "price"):
                if required not in values:
                    row.fail(required, None, f"{required.capitalize()} is required for a new product.")
            target = {**values, "attributes": dict(row.attributes), "sku": row.sku}
            if self.cmap.metafields:
                target["metafields"] = dict(row.metafields)
        else:
            target = existing
            cleared_attributes = self._apply_blanks(row, values, PRODUCT_CLEARED, "product") if row.blanks else []
            if row.attributes or cleared_attributes:
                kept = {k: v for k, v in existing["attributes"].items() if k not in cleared_attributes}
                values["attributes"] = {**kept, **row.attributes}
            if self.cmap.metafields:
                cleared = {b[len(col.METAFIELD_PREFIX) :] for b in row.blanks if b.startswith(col.METAFIELD_PREFIX)}
                kept = {k: v for k, v in (existing["metafields"] or {}).items() if k not in cleared}
                values["metafields"] = {**kept, **row.metafields}
            row.changes = {n: (existing[n], v) for n, v in values.items() if existing[n] != v}
            for name, (_, new) in row.changes.items():
                target[name] = new
        self._product_rules(row, target, category)
        if row.errors:
            return
        row.target = target
        row.action = "create" if existing is None else ("update" if row.changes else "unchanged")

    @staticmethod
    def _apply_blanks(row: Row, values: dict[str, Any], cleared: dict[str, Any], kind: str) -> list[str]:
        """Apply the blank-cell rule of an update (see PRODUCT_CLEARED); return the attribute codes to clear."""
        attributes: list[str] = []
        for name in row.blanks:
            if name in cleared:
                values[name] = cleared[name]
            elif name == "category" and kind == "product":
                values["category_id"] = None
            elif name.startswith(col.ATTRIBUTE_PREFIX):
                attributes.append(name[len(col.ATTRIBUTE_PREFIX) :])
            elif name.startswith(col.METAFIELD_PREFIX):
                continue  # product rows clear it in _product_row; variant rows take no metafield columns
            elif kind == "product" or name in VARIANT_FIELDS:
                row.fail(name, None, BLANK_REFUSED.format(column=name.capitalize(), kind=kind))
        return attributes

    def _check_channels(self, row: Row) -> None:
        if not row.channels:
            return
        unknown = [name for name in row.channels if name.lower() not in self.channel_names]
        if unknown:
            known = ", ".join(sorted(self.channel_names.values())) or "none yet"
            row.fail("channels", ", ".join(row.channels), f"Unknown channel '{unknown[0]}'; channels are: {known}.")
        row.channels = [self.channel_names[n.lower()] for n in row.channels if n.lower() in self.channel_names]

    def _product_rules(self, row: Row, target: dict[str, Any], category: Category | None) -> None:
        compare, price = target.get("compare_at_price"), target.get("price")
        if compare is not None and price is not None and compare < price:
            row.fail("compare_at_price", str(compare), f"Compare-at price {compare} is below the price {price}.")
        self._check_title_limit(row, target, category)
        if category is not None:
            for column, message in self._attribute_errors(category, target["attributes"]).items():
                row.fail(column, target["attributes"].get(column[5:]), message)

    def _check_title_limit(self, row: Row, target: dict[str, Any], category: Category | None) -> None:
        """The category's title limit, as `Product.clean` applies it (docs/catalog.md#title-length): on the title
        cell, or on the category cell when the row moves a product whose title it does not give."""
        title = target.get("title")
        if not title or not (category is not None or target.get("category_id")):
            return
        if category is None and row.category_path:  # a dry run: the path's missing levels come at commit
            category = self.nearest_existing.get(tuple(n.lower() for n in row.category_path))
        elif category is None:
            category = Category(pk=target["category_id"])
        found = self._title_limit_of(category) if category is not None else None
        message = category_title_error(title, limit=found.limit, category_name=found.category_name) if found else None
        if message:
            column = "title" if "title" in row.values or not row.category_path else "category"
            row.fail(column, title if column == "title" else " > ".join(row.category_path or ()), message)

    def _title_limit_of(self, category: Category) -> TitleLimit | None:
        """The category's title limit, read once per category and run."""
        if category.pk not in self.title_limits:
            stored = category if category.path else Category.objects.get(pk=category.pk)
            self.title_limits[category.pk] = stored.title_limit()
        return self.title_limits[category.pk]

    def _metafields_normalised(self, row: Row) -> dict[str, Any]:
        """The row's metafield cells (`mf:namespace.key`) in their definitions' stored forms; bad ones fail."""
        values: dict[str, Any] = {}
        for name, raw in row.metafields.items():
            definition = self.metafield_definitions.get(name)
            column = col.METAFIELD_PREFIX + name
            if definition is None:
                row.fail(column, raw, f"No product metafield definition '{name}'; define it first.")
                continue
            try:
                values[name] = metafield_value(definition, raw)
            except MetafieldError as exc:
                row.fail(column, raw, str(exc))
        return values

    # --- variant rows ---

    def _variant_row(self, row: Row, products: dict[str, Any], variants: dict[str, Any]) -> None:
        key = row.sku.upper()  # type: ignore[union-attr]
        for name, raw in row.metafields.items():
            row.fail(col.METAFIELD_PREFIX + name, raw, "Metafield columns apply to product rows only.")
        parent = self._variant_parent(row, key, products, variants)
        if row.errors:
            return
        values = {k: v for k, v in row.values.items() if k in VARIANT_FIELDS}
        if values.get("price") is not None and values["price"] < Decimal("0.01"):
            row.fail("price", str(values["price"]), "A variant price must be at least 0.01 (blank: the product's).")
            return
        existing = variants.get(key)
        if existing is None:
            row.target = {**values, "sku": row.sku, "options": dict(row.options)}
            row.target["product_id"] = parent["id"] if parent else None
            row.action = "create"
            return
        if parent is not None and existing["product_id"] != parent["id"]:
            row.fail("parent_sku", row.parent_sku, f"Variant '{row.sku}' belongs to product {existing['parent_sku']}.")
            return
        if row.blanks:
            self._apply_blanks(row, values, VARIANT_CLEARED, "variant")
            if row.errors:
                return
        if row.options:
            values["options"] = {**existing["options"], **row.options}
        row.changes = {n: (existing[n], v) for n, v in values.items() if existing[n] != v}
        for name, (_, new) in row.changes.items():
            existing[name] = new
        row.target, row.action = existing, ("update" if row.changes else "unchanged")

    def _variant_parent(
        self, row: Row, key: str, products: dict[str, Any], variants: dict[str, Any]
    ) -> dict[str, Any] | None:
        """The stored parent product of a variant row (None when it is a product row of this file, in a dry run);
        on a variant row that cannot be, its error."""
        if row.channels or row.image_urls:
            column = "channels" if row.channels else "image_urls"
            row.fail(column, getattr(row, column)[0], f"{column} apply to product rows; leave it blank on variants.")
            return None
        if key in products:
            row.fail("parent_sku", row.parent_sku, f"SKU '{row.sku}' is a product; it cannot become a variant.")
            return None
        parent_key = row.parent_sku.upper()  # type: ignore[union-attr]
        parent = products.get(parent_key)
        planned = self.seen.get(parent_key)
        if parent is None and not (planned and planned[1] == "product" and not self.commit):
            if parent_key in variants:
                message = f"Parent SKU '{row.parent_sku}' is a variant, not a product."
            else:
                message = (
                    f"Parent SKU '{row.parent_sku}' is neither in the catalog nor a valid product row of this file."
                )
            row.fail("parent_sku", row.parent_sku, message)
        return parent
