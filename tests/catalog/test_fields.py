"""Every list of product fields derives from catalog.fields: the service, the staff form, the API serializer,
the django-import-export resource and the import columns."""

from catalog import fields
from catalog.api.serializers import ProductSerializer, VariantSerializer
from catalog.forms import ProductForm, VariantForm
from catalog.importing.columns import COLUMNS
from catalog.resources import ProductResource
from catalog.services import products as product_services

DECLARED = [f.name for f in fields.PRODUCT_FIELDS]
SPREADSHEET = [f.name for f in fields.PRODUCT_FIELDS if f.in_spreadsheet]


def test_the_declaration_names_each_field_once():
    assert len(DECLARED) == len(set(DECLARED))
    assert list(fields.PRODUCT_FIELD_NAMES) == DECLARED
    assert list(fields.PRODUCT_SPREADSHEET_FIELDS) == SPREADSHEET


def test_the_service_accepts_the_declared_fields():
    accepted = product_services.PRODUCT_FIELDS
    assert accepted == {*DECLARED, "category_id"}
    assert set(product_services.VARIANT_FIELDS) == set(fields.VARIANT_FIELDS)


def test_the_form_edits_the_declared_fields():
    form = ProductForm()
    assert [name for name in form.fields if name not in ("version", "images")] == DECLARED
    assert list(VariantForm().fields) == list(fields.VARIANT_FIELDS)


def test_the_serializer_carries_the_declared_fields():
    extra = ["id", "version", "variants", "images", "created_at", "updated_at"]
    assert [name for name in ProductSerializer().fields if name not in extra] == DECLARED
    assert [name for name in VariantSerializer().fields if name not in ("id", "product")] == list(fields.VARIANT_FIELDS)


def test_the_export_resource_writes_the_spreadsheet_fields():
    assert [f.column_name for f in ProductResource().get_export_fields()] == SPREADSHEET


def test_the_import_columns_start_with_the_spreadsheet_fields():
    assert COLUMNS[: len(SPREADSHEET)] == SPREADSHEET
    assert not set(COLUMNS[len(SPREADSHEET) :]) & set(DECLARED)
