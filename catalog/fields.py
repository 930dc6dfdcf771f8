"""The editable fields of a product and of a variant, declared once.

The product service (which fields it accepts), the staff form, the API serializer, the django-import-export
resource and the import columns all derive their lists from here, so a new field is added in one place (plus
its model field, migration and, where it shows, its template cell). `tests/catalog/test_fields.py` checks
that every consumer agrees with this declaration.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ProductField:
    """One editable product field; `in_spreadsheet` makes it a column of the import file and of the export."""

    name: str
    in_spreadsheet: bool = True


# In the order of the spreadsheet columns (the order users see in files); the others sit beside their kin.
PRODUCT_FIELDS: tuple[ProductField, ...] = (
    ProductField("sku"),
    ProductField("title"),
    ProductField("description"),
    ProductField("brand"),
    ProductField("category"),
    ProductField("price"),
    ProductField("currency"),
    ProductField("compare_at_price"),
    ProductField("cost_price"),
    ProductField("quantity"),
    ProductField("barcode"),
    ProductField("weight_grams"),
    ProductField("length_mm"),
    ProductField("width_mm"),
    ProductField("height_mm"),
    ProductField("status"),
    # Content (docs/catalog.md#content): after the original columns, so older files keep their layout.
    ProductField("short_description"),
    ProductField("bullet_point_1"),
    ProductField("bullet_point_2"),
    ProductField("bullet_point_3"),
    ProductField("bullet_point_4"),
    ProductField("bullet_point_5"),
    ProductField("search_terms"),
    ProductField("seo_title"),
    ProductField("seo_description"),
    ProductField("handle"),
    ProductField("manufacturer"),
    ProductField("model_number"),
    ProductField("mpn"),
    # Attributes are a JSON object: the spreadsheet spreads them over 'attr:<code>' columns instead.
    ProductField("attributes", in_spreadsheet=False),
    # Metafields are a JSON object too: the spreadsheet spreads them over 'mf:<namespace>.<key>' columns.
    ProductField("metafields", in_spreadsheet=False),
)
PRODUCT_FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in PRODUCT_FIELDS)
PRODUCT_SPREADSHEET_FIELDS: tuple[str, ...] = tuple(f.name for f in PRODUCT_FIELDS if f.in_spreadsheet)
# The optional whole-number measures (grams, millimetres): converted, checked, compared and cleared alike on import.
PRODUCT_MEASURE_FIELDS: tuple[str, ...] = ("weight_grams", "length_mm", "width_mm", "height_mm")
# The plain-text content fields (all but the HTML short description), with the same blank-clears rule on import.
PRODUCT_CONTENT_TEXT_FIELDS: tuple[str, ...] = (
    *(f"bullet_point_{n}" for n in range(1, 6)),
    "search_terms",
    "seo_title",
    "seo_description",
    "handle",
    "manufacturer",
    "model_number",
    "mpn",
)

# The editable fields of a variant (its product is set when it is created and never changes).
VARIANT_FIELDS: tuple[str, ...] = ("sku", "options", "price", "compare_at_price", "quantity", "barcode", "position")
VARIANT_FIELDS += ("metafields",)
