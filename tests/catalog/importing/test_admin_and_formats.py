import io
from decimal import Decimal
from unittest.mock import patch

import openpyxl
import pytest
import tablib

from catalog.importing.formats import CalamineODS, CalamineXLSX
from catalog.importing.services import import_file
from catalog.importing.tasks import import_batch_undo_task
from catalog.models import ImportBatch, ImportBatchStatus, Product
from catalog.resources import ProductResource
from catalog.services import category_create, product_create

from .conftest import product_rows, write_xlsx

pytestmark = pytest.mark.django_db


def test_calamine_format_reads_the_first_sheet_without_blank_rows(tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", [["sku", "price"], ["A", 1.5], [None, None], ["B", "2"]])
    dataset = CalamineXLSX().create_dataset(path.read_bytes())
    assert dataset.headers == ["sku", "price"]
    assert [list(r) for r in dataset] == [["A", 1.5], ["B", "2"]]


def test_calamine_ods_format():
    data = tablib.Dataset(headers=["sku"])
    data.append(["O-1"])
    dataset = CalamineODS().create_dataset(data.export("ods"))
    assert [list(r) for r in dataset] == [["O-1"]]


def test_product_resource_exports_category_paths_and_neutralises_formulas():
    kitchen = category_create(name="Kitchen", parent=category_create(name="Home"))
    product_create(sku="R-1", title="-1+1", price=Decimal("2.00"), category=kitchen)
    dataset = ProductResource().export()
    row = dict(zip(dataset.headers, dataset[0], strict=True))
    assert row["category"] == "Home > Kitchen"
    assert row["title"] == "'-1+1"


def test_admin_product_list_links_to_the_import_flow_and_exports(staff_client):
    product_create(sku="AD-1", title="=cmd", price=Decimal("1.00"))
    page = staff_client.get("/admin/catalog/product/").content.decode()
    assert '<a href="/imports/" id="admin-import-spreadsheet">Import spreadsheet</a>' in page
    form = {"format": "0", "resource": "0", "productresource_sku": "on", "productresource_title": "on"}
    response = staff_client.post("/admin/catalog/product/export/", form)
    assert response.status_code == 200, response.content[:500]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[1][:2] == ["AD-1", "'=cmd"]


def test_admin_lists_batches_and_undoes_them(staff_client, tmp_path):
    batch = import_file(path=write_xlsx(tmp_path / "a.xlsx", product_rows(2)))
    page = staff_client.get("/admin/catalog/importbatch/").content.decode()
    assert f'href="/imports/{batch.pk}/"' in page
    # when the admin action runs, the undo is queued, not run in the request
    with patch("catalog.importing.services.enqueue") as enqueue:
        staff_client.post("/admin/catalog/importbatch/", {"action": "undo", "_selected_action": [batch.pk]})
    assert [c.args for c in enqueue.call_args_list] == [(import_batch_undo_task, batch.pk)]
    assert ImportBatch.objects.get().status == ImportBatchStatus.UNDOING
    assert Product.objects.count() == 2
    # and the worker undoes it
    import_batch_undo_task(batch.pk)
    assert ImportBatch.objects.get().status == ImportBatchStatus.UNDONE
    assert not Product.objects.exists()
