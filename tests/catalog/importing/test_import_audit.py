"""The import commit records one audit entry per written row, in bulk, with the import batch as the actor."""

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEntry
from catalog.importing.services import import_file
from catalog.models import Product, Variant
from catalog.services import product_create, variant_create

from .conftest import product_rows, write_xlsx

pytestmark = pytest.mark.django_db


def _entries(model):
    return AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(model)).order_by("id")


def test_commit_records_creations_and_updates_with_the_batch_as_actor(tmp_path, admin_user):
    # given a product and a variant in the catalog, and a file that updates both and creates one of each
    product_create(sku="OLD", title="Old", price=Decimal("1.00"), brand="Acme")
    variant_create(product=Product.objects.get(sku="OLD"), sku="OLD-S", options={"Size": "S"}, quantity=1)
    AuditEntry.objects.all().delete()
    rows = [
        ["sku", "title", "price", "brand", "parent_sku", "quantity", "option1_name", "option1_value"],
        ["OLD", "Old", "2.00", None, None, 0, None, None],
        ["NEW", "New kettle", "3.50", "Acme", None, 4, None, None],
        ["NEW-L", None, None, None, "NEW", 2, "Size", "L"],
        ["OLD-S", None, None, None, "OLD", 5, None, None],
    ]

    # when imported
    batch = import_file(path=write_xlsx(tmp_path / "a.xlsx", rows), user=admin_user)
    assert (batch.created_count, batch.updated_count, batch.error_count) == (2, 2, 0)

    # then each written row has one entry naming the batch and its user
    label = f"import batch #{batch.pk}"
    products, variants = list(_entries(Product)), list(_entries(Variant))
    assert {(e.actor_kind, e.actor_label, e.actor_id) for e in products + variants} == {
        ("import", label, admin_user.pk)
    }
    new, old = Product.objects.get(sku="NEW"), Product.objects.get(sku="OLD")
    assert [(e.action, e.object_id, e.object_repr) for e in products] == [
        ("create", str(new.pk), "NEW · New kettle"),
        ("update", str(old.pk), "OLD · Old"),
    ]
    # (creations are read back from the stored rows by the database, in the same shapes as the Python snapshot:
    # a price as fixed-point text, options as a JSON object)
    assert products[0].changes == {
        "sku": [None, "NEW"],
        "title": [None, "New kettle"],
        "brand": [None, "Acme"],
        "price": [None, "3.50"],
        "currency": [None, "USD"],
        "quantity": [None, 4],
        "status": [None, "draft"],
    }
    assert products[1].changes == {"price": ["1.00", "2.00"], "brand": ["Acme", ""]}
    new_l, old_s = Variant.objects.get(sku="NEW-L"), Variant.objects.get(sku="OLD-S")
    assert [(e.action, e.object_id, e.object_repr) for e in variants] == [
        ("create", str(new_l.pk), "NEW-L"),
        ("update", str(old_s.pk), "OLD-S (S)"),
    ]
    created = variants[0].changes
    assert created.pop("options") == [None, {"Size": "L"}]
    assert created == {"product": [None, new.pk], "sku": [None, "NEW-L"], "quantity": [None, 2], "price": [None, None]}
    assert variants[1].changes == {"quantity": [1, 5]}


def test_dry_run_records_no_audit_entry(tmp_path):
    import_file(path=write_xlsx(tmp_path / "d.xlsx", product_rows(3)), dry_run=True)
    assert not AuditEntry.objects.exists()


def test_audit_entries_of_creations_are_written_in_bulk_not_per_row(tmp_path):
    # given files of 200 and 600 new rows
    def audit_inserts(rows, name):
        with CaptureQueriesContext(connection) as ctx:
            batch = import_file(path=write_xlsx(tmp_path / name, rows))
        assert batch.created_count == len(rows) - 1
        return sum('INSERT INTO "accounts_auditentry"' in q["sql"] for q in ctx.captured_queries)

    small, large = audit_inserts(product_rows(200), "s.xlsx"), audit_inserts(product_rows(600, start=200), "l.xlsx")

    # then every entry exists, written by one INSERT ... SELECT per chunk whatever its size (the other entries
    # are each commit's changeset, docs/catalog.md#versions)
    assert _entries(Product).filter(action="create").count() == 800
    assert (small, large) == (2, 2)  # and one more: the commit's changeset


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is how PostgreSQL inserts new products")
def test_the_copy_of_new_products_is_one_logged_statement_per_chunk(tmp_path):
    # when 600 new rows are committed with the statements captured
    with CaptureQueriesContext(connection) as ctx:
        batch = import_file(path=write_xlsx(tmp_path / "c.xlsx", product_rows(600)))

    # then the products went in by one COPY, which the query log shows like any statement
    assert batch.created_count == 600
    # (the new rows' stock rows and `import` movements are COPYs of their own, docs/orders.md#import-quantities)
    copies = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith('COPY "catalog_product" (')]
    assert len(copies) == 1
