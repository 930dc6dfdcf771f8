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
    ProductField("manufacturer", in_spreadsheet=False),
    ProductField("mpn", in_spreadsheet=False),
    ProductField("category"),
    ProductField("price"),
    ProductField("currency"),
    ProductField("compare_at_price"),
    ProductField("cost_price"),
    ProductField("quantity"),
    ProductField("barcode"),
    ProductField("weight_grams"),
    ProductField("length_mm", in_spreadsheet=False),
    ProductField("width_mm", in_spreadsheet=False),
    ProductField("height_mm", in_spreadsheet=False),
    ProductField("status"),
    # Attributes are a JSON object: the spreadsheet spreads them over 'attr:<code>' columns instead.
    ProductField("attributes", in_spreadsheet=False),
)
PRODUCT_FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in PRODUCT_FIELDS)
PRODUCT_SPREADSHEET_FIELDS: tuple[str, ...] = tuple(f.name for f in PRODUCT_FIELDS if f.in_spreadsheet)

# The editable fields of a variant (its product is set when it is created and never changes).
VARIANT_FIELDS: tuple[str, ...] = ("sku", "options", "price", "compare_at_price", "quantity", "barcode", "position")
