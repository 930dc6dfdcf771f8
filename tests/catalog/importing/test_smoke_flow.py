from decimal import Decimal

import pytest

from catalog.importing.services import import_batch_undo, import_file
from catalog.models import Category, ImportBatchStatus, Product, Variant

from .conftest import product_rows

pytestmark = pytest.mark.django_db


def test_import_file_creates_updates_and_undoes(xlsx, admin_user):
    # given a workbook of 3 products and one variant
    rows = product_rows(3)
    rows[0] += ["category", "parent_sku", "option1_name", "option1_value"]
    for r in rows[1:]:
        r += ["Home > Kitchen", None, None, None]
    rows.append(["P-000000-XL", None, "12.00", None, 4, None, None, "P-000000", "Size", "XL"])
    path = xlsx(rows)

    # when it is imported
    batch = import_file(path=path, user=admin_user)

    # then
    assert batch.status == ImportBatchStatus.COMMITTED, batch.message
    assert (batch.created_count, batch.updated_count, batch.error_count) == (4, 0, 0)
    product = Product.objects.get(sku="P-000001")
    assert product.price == Decimal("10.50")
    assert product.category.full_name == "Home > Kitchen"
    assert product.created_by == admin_user
    variant = Variant.objects.get(sku="P-000000-XL")
    assert variant.product.sku == "P-000000"
    assert variant.options == {"Size": "XL"}

    # when the same file with one price changed is imported
    rows[2][2] = "11.00"
    second = import_file(path=xlsx(rows, name="second.xlsx"), user=admin_user)
    assert (second.created_count, second.updated_count, second.unchanged_count) == (0, 1, 3)
    assert second.sample_diffs[0]["changes"] == {"price": ["10.50", "11.00"]}
    assert Product.objects.get(sku="P-000001").version == 2

    # when the update is undone, then the price is back
    import_batch_undo(batch=second, user=admin_user)
    assert Product.objects.get(sku="P-000001").price == Decimal("10.50")
    # and undoing the first import deletes what it created
    batch.refresh_from_db()
    undone = import_batch_undo(batch=batch, user=admin_user)
    # P-000001 was changed since (by the second import and its undo), so it is kept and named
    assert list(Product.objects.values_list("sku", flat=True)) == ["P-000001"]
    assert undone.undo_report["refused"] == [
        {"row": None, "sku": "P-000001", "reason": "changed since the import (now version 3)"}
    ]
    assert undone.undo_report["deleted"] == 3
    assert not Variant.objects.exists()
    assert Category.objects.count() == 2  # categories stay: other products may use them
