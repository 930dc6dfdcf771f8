"""django-import-export resources for the catalog.

The admin *export* uses `ProductResource`. Imports (page, admin, CLI) go through `catalog.importing`, which
validates in bulk with a constant number of queries and keeps undo snapshots; the library's row-by-row import
would cost about 4 queries per row and process the file twice (docs/imports.md#background).
"""

from typing import Any

from import_export import fields, resources, widgets

from common.spreadsheets import neutralise

from .fields import PRODUCT_SPREADSHEET_FIELDS
from .models import Category, Product


class CategoryPathWidget(widgets.ForeignKeyWidget):
    """A category as its 'A > B > C' path, the form the import page reads."""

    def __init__(self) -> None:
        super().__init__(Category, field="name")

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return value.full_name if value else ""


class ProductResource(resources.ModelResource):
    category = fields.Field(attribute="category", column_name="category", widget=CategoryPathWidget())

    class Meta:
        model = Product
        fields = PRODUCT_SPREADSHEET_FIELDS
        export_order = fields
        import_id_fields = ("sku",)
        clean_model_instances = True
        use_bulk = True
        batch_size = 1000
        skip_diff = True

    def export_field(self, field: fields.Field, instance: Any, **kwargs: Any) -> Any:
        """Neutralise formula-like text (the library's own escape covers a leading '=' only)."""
        return neutralise(super().export_field(field, instance, **kwargs))

    def get_export_queryset(self, request: Any) -> Any:
        return Product.objects.select_related("category").order_by("pk")
