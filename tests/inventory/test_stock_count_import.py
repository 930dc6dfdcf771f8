"""Stock-count upload (`sku, on_hand`) through the catalog's import machinery (docs/orders.md#stock-count-upload):
dry run with per-row errors, commit as one keyed stock_count movement per row, error workbook, undo."""

import pytest
from django.urls import reverse

from catalog.importing.services import (
    import_batch_commit,
    import_batch_create,
    import_batch_undo,
    import_batch_validate,
    import_file,
)
from catalog.models import ImportBatchStatus, ImportRow, Product
from catalog.services import variant_create
from inventory.choices import Reason
from inventory.models import StockMovement
from inventory.services import movement_apply, stock_for_sku
from tests.catalog.factories import ProductFactory
from tests.catalog.importing.conftest import write_csv, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(db):
    ProductFactory(sku="MUG-1", quantity=10)
    ProductFactory(sku="LAMP-1", quantity=3)
    tee = ProductFactory(sku="TEE", quantity=0)
    variant_create(product=tee, sku="TEE-M", options={"Size": "M"}, quantity=4)


def _errors(batch):
    return {row.row_number: [e["message"] for e in row.errors] for row in batch.rows.filter(kind=ImportRow.Kind.ERROR)}


def test_dry_run_reports_every_bad_row_and_writes_nothing(tmp_path, items):
    rows = [
        ["SKU", "On_Hand"],
        ["mug-1", 12],  # 2: fine (SKU case-insensitive)
        ["NOPE-1", 5],  # 3: unknown SKU
        ["LAMP-1", -2],  # 4: negative
        ["TEE-M", "lots"],  # 5: not a whole number
        ["TEE-M", 2.5],  # 6: a fraction
        ["TEE", 3],  # 7: a product with variants
        ["DUP-X", 1],  # 8, 9: the same SKU twice (and unknown)
        ["dup-x", 2],
        ["", 4],  # 10: no SKU
        ["LAMP-1", None],  # 11: no count (and LAMP-1 twice)
    ]
    batch = import_batch_create(upload=write_xlsx(tmp_path / "count.xlsx", rows).open("rb"), filename="count.xlsx",
                                start=False)  # fmt: skip
    batch = import_batch_validate(batch=batch)
    assert batch.status == ImportBatchStatus.VALIDATED
    assert (batch.updated_count, batch.unchanged_count, batch.error_count) == (1, 0, 9)
    errors = _errors(batch)
    assert errors[3] == ["No variant, and no product without variants, has the SKU 'NOPE-1'."]
    assert "on_hand cannot be negative (-2)." in errors[4]
    assert errors[5] == ["on_hand must be a whole number, not 'lots'.", "TEE-M is counted on rows 5, 6: count it once."]
    assert "on_hand must be a whole number, not '2.5'." in errors[6]
    assert errors[7] == ["TEE is a product with variants: count each variant's SKU."]
    assert "DUP-X is counted on rows 8, 9: count it once." in errors[8]
    assert errors[10] == ["SKU is required."]
    assert "on_hand is required." in errors[11]
    assert batch.sample_diffs == [{"row": 2, "sku": "MUG-1", "changes": {"on_hand": [10, 12]}}]
    assert not StockMovement.objects.filter(reason=Reason.STOCK_COUNT, source_type="catalog.importbatch").exists()
    assert Product.objects.get(sku="MUG-1").quantity == 10


def test_commit_counts_each_row_once_with_a_batch_row_key_and_undo_reverses(tmp_path, items, admin_user):
    stock = stock_for_sku("MUG-1")
    movement_apply(stock=stock, bucket="committed", delta=2, reason="order_paid", idempotency_key="o-1")
    path = write_csv(tmp_path / "count.csv", [["sku", "on_hand"], ["MUG-1", 7], ["TEE-M", 4], ["LAMP-1", 0]])
    batch = import_file(path=path, user=admin_user)
    assert batch.status == ImportBatchStatus.COMMITTED, batch.message
    assert (batch.updated_count, batch.unchanged_count, batch.error_count) == (2, 1, 0)
    movement = StockMovement.objects.get(idempotency_key=f"import:{batch.pk}:row:2")
    assert (movement.reason, movement.delta, movement.actor, movement.source_id) == ("stock_count", -3, admin_user,
                                                                                     str(batch.pk))  # fmt: skip
    stock.refresh_from_db()
    assert (stock.on_hand, stock.committed, stock.available) == (7, 2, 5)
    assert Product.objects.get(sku="MUG-1").quantity == 5  # the catalog follows the ledger
    assert stock_for_sku("LAMP-1").on_hand == 0
    # a commit run again (the worker died after writing) counts nothing twice
    batch.status = ImportBatchStatus.COMMITTING
    import_batch_commit(batch=batch)
    assert StockMovement.objects.filter(source_id=str(batch.pk), source_type="catalog.importbatch").count() == 2
    # undo: new movements reverse the batch's, the ledger keeps both
    batch = import_batch_undo(batch=batch)
    assert batch.status == ImportBatchStatus.UNDONE
    assert "2 stock count(s) reversed" in batch.message
    assert (stock_for_sku("MUG-1").on_hand, stock_for_sku("LAMP-1").on_hand) == (10, 3)
    assert StockMovement.objects.filter(idempotency_key__endswith=":undo").count() == 2


def test_a_sheet_with_other_columns_is_refused(tmp_path, items):
    path = write_csv(tmp_path / "count.csv", [["sku", "on_hand", "title"], ["MUG-1", 7, "x"]])
    batch = import_file(path=path)
    assert batch.status == ImportBatchStatus.REFUSED
    assert "exactly the columns sku, on_hand (found: sku, on_hand, title)" in batch.message


def test_reject_all_writes_nothing_when_a_row_fails(tmp_path, items):
    path = write_csv(tmp_path / "count.csv", [["sku", "on_hand"], ["MUG-1", 7], ["NOPE", 1]])
    batch = import_file(path=path, on_error="reject-all")
    assert batch.status == ImportBatchStatus.VALIDATED
    assert batch.error_count == 1
    assert stock_for_sku("MUG-1").on_hand == 10


def test_stock_page_offers_the_upload_and_the_error_workbook_lists_bad_rows(staff_client, tmp_path, items):
    page = staff_client.get(reverse("inventory:stock_list")).content.decode()
    assert "Upload a stock count" in page
    assert f'action="{reverse("imports:upload")}"' in page
    path = write_csv(tmp_path / "count.csv", [["sku", "on_hand"], ["MUG-1", 7], ["NOPE", 1]])
    with path.open("rb") as fh:
        response = staff_client.post(reverse("imports:upload"), {"file": fh, "on_error": "skip-rows"})
    assert response.status_code == 302
    batch_id = int(response["Location"].rstrip("/").rsplit("/", 1)[-1])
    from catalog.models import ImportBatch

    import_batch_validate(batch=ImportBatch.objects.get(pk=batch_id))
    workbook = staff_client.get(reverse("imports:batch_errors", args=[batch_id]))
    assert workbook.status_code == 200
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(workbook.content)).active
    text = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)
    assert "NOPE" in text
    assert "No variant, and no product without variants" in text


def test_import_api_takes_a_stock_count(api, items):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from catalog.importing.services import import_batch_commit
    from catalog.models import ImportBatch

    upload = SimpleUploadedFile("count.csv", b"sku,on_hand\nMUG-1,4\nLAMP-1,-1\n")
    response = api.post("/api/v1/imports/", {"file": upload, "on_error": "skip-rows"}, format="multipart")
    assert response.status_code == 201, response.json()
    batch = import_batch_validate(batch=ImportBatch.objects.get(pk=response.json()["id"]))
    body = api.get(f"/api/v1/imports/{batch.pk}/").json()
    assert (body["status"], body["updated_count"], body["error_count"]) == ("validated", 1, 1)
    assert api.post(f"/api/v1/imports/{batch.pk}/confirm/").status_code == 202
    import_batch_commit(batch=ImportBatch.objects.get(pk=batch.pk))
    assert stock_for_sku("MUG-1").on_hand == 4
    assert stock_for_sku("LAMP-1").on_hand == 3
