import csv
import io
from decimal import Decimal

import openpyxl
import pytest

from catalog.importing.columns import COLUMNS
from catalog.importing.services import import_batch_undo, import_batch_undo_request, import_file
from catalog.importing.workbooks import (
    error_workbook,
    export_csv,
    export_rows,
    export_xlsx_file,
    template_workbook,
)
from catalog.models import ImportBatchStatus, Product, Variant
from catalog.services import product_create, product_update, variant_create
from common.errors import ApplicationError
from common.spreadsheets import neutralise
from inventory.models import Stock

from .conftest import write_xlsx

pytestmark = pytest.mark.django_db


def test_undo_deletes_created_restores_updated_and_names_rows_changed_since(tmp_path, admin_user):
    # given two catalog products and a file that updates both and creates two more (one with a variant)
    kept = product_create(sku="KEEP", title="Keep", price=Decimal("1.00"))
    touched = product_create(sku="TOUCH", title="Touch", price=Decimal("2.00"))
    rows = [
        ["sku", "title", "price", "parent_sku"],
        ["KEEP", "Keep v2", "1.50", None],
        ["TOUCH", "Touch v2", "2.50", None],
        ["NEW-1", "New one", "3.00", None],
        ["NEW-2", "New two", "4.00", None],
        ["NEW-2-S", None, None, "NEW-2"],
    ]
    batch = import_file(path=write_xlsx(tmp_path / "u.xlsx", rows), user=admin_user)
    assert (batch.created_count, batch.updated_count) == (3, 2)

    # and someone edits TOUCH and NEW-1 after the import
    product_update(product=Product.objects.get(sku="TOUCH"), title="Edited by hand")
    product_update(product=Product.objects.get(sku="NEW-1"), price=Decimal("3.10"))

    # when the batch is undone
    undone = import_batch_undo(batch=batch, user=admin_user)

    # then KEEP is restored, NEW-2 and its variant are gone, and the two edited rows are left and named
    assert undone.status == ImportBatchStatus.UNDONE
    kept.refresh_from_db()
    assert (kept.title, kept.price, kept.version) == ("Keep", Decimal("1.00"), 3)
    assert Product.objects.get(sku="TOUCH").title == "Edited by hand"
    assert touched.pk == Product.objects.get(sku="TOUCH").pk
    assert set(Product.objects.values_list("sku", flat=True)) == {"KEEP", "TOUCH", "NEW-1"}
    assert not Variant.objects.exists()
    assert undone.undo_report["restored"] == 1
    assert undone.undo_report["deleted"] == 2
    reasons = {r["sku"]: r["reason"] for r in undone.undo_report["refused"]}
    assert reasons == {
        "TOUCH": "changed since the import (version 3, the import left version 2)",
        "NEW-1": "changed since the import (now version 2)",
    }
    assert "2 row(s) left as they are because they changed since the import" in undone.message


def test_undo_twice_is_refused(tmp_path):
    batch = import_file(path=write_xlsx(tmp_path / "u.xlsx", [["sku", "title", "price"], ["A", "a", 1]]))
    import_batch_undo(batch=batch)
    with pytest.raises(ApplicationError, match="Only an imported batch can be undone; this one is Undone"):
        import_batch_undo_request(batch=batch)


def test_undo_restores_variant_updates(tmp_path):
    parent = product_create(sku="P", title="P", price=Decimal("5"))
    variant = variant_create(product=parent, sku="P-S", options={"Size": "S"}, quantity=1)
    batch = import_file(path=write_xlsx(tmp_path / "v.xlsx", [["sku", "parent_sku", "quantity"], ["P-S", "P", 9]]))
    assert batch.updated_count == 1
    assert Stock.objects.get(variant=variant).available == 9
    import_batch_undo(batch=batch)
    variant.refresh_from_db()
    assert variant.quantity == 1
    # and the stock ledger takes the figure back with a movement of its own, not a silent overwrite
    stock = Stock.objects.get(variant=variant)
    assert stock.available == 1
    undo_move = stock.movements.get(idempotency_key=f"import:{batch.pk}:undo:row:2")
    assert (undo_move.delta, undo_move.reason) == (-8, "import")
    assert undo_move.note == f"Undo of import #{batch.pk}, row 2: quantity 1"


def test_undo_of_a_product_quantity_moves_the_ledger_back(tmp_path):
    product = product_create(sku="Q-1", title="Q", price=Decimal("5"), quantity=4)
    batch = import_file(path=write_xlsx(tmp_path / "q.xlsx", [["sku", "quantity"], ["Q-1", 10]]))
    assert Stock.objects.get(product=product, variant__isnull=True).available == 10
    import_batch_undo(batch=batch)
    stock = Stock.objects.get(product=product, variant__isnull=True)
    assert stock.available == 4
    assert sum(m.delta for m in stock.movements.all()) == stock.on_hand


def test_error_workbook_round_trip(tmp_path):
    # given a file with two bad rows (one with a formula-like title) under skip-rows
    rows = [
        ["sku", "title", "price", "currency"],
        ["GOOD-1", "Good", "1.00", "USD"],
        ["BAD-1", "@SUM(A1)", "abc", "USD"],
        ["BAD-2", "Bad two", "2.00", "ZZZ"],
    ]
    batch = import_file(path=write_xlsx(tmp_path / "e.xlsx", rows), on_error="skip-rows")
    assert (batch.created_count, batch.error_count) == (1, 2)

    # when the error workbook is downloaded
    workbook = openpyxl.load_workbook(io.BytesIO(error_workbook(batch)))
    sheet = workbook.active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]

    # then it holds the original failed rows plus an errors column, and no formula
    assert values[0] == ["sku", "title", "price", "currency", "errors"]
    assert values[1][:4] == ["BAD-1", "'@SUM(A1)", "abc", "USD"]
    assert values[1][4] == "row 3 price: 'abc' is not a number."
    assert values[2][4] == "row 4 currency: 'ZZZ' is not an ISO 4217 currency code (e.g. USD, MYR)."
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)

    # when the rows are fixed and the workbook uploaded again (the errors column is reported, not fatal)
    sheet["B2"], sheet["C2"], sheet["D3"] = "Fixed title", "3.00", "EUR"
    fixed = tmp_path / "fixed.xlsx"
    workbook.save(fixed)
    again = import_file(path=fixed, on_error="reject-all")

    # then both rows are created
    assert (again.created_count, again.error_count) == (2, 0), again.first_errors
    assert again.unknown_columns == ["errors (column E)"]
    assert Product.objects.get(sku="BAD-2").currency == "EUR"


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r", "\x00"], ids=repr)
def test_formula_prefixes_are_neutralised_in_csv_and_xlsx_exports(prefix):
    # given an exported row whose title starts with a formula prefix (NUL cannot be stored in PostgreSQL, so
    # the rows are handed to the writers directly; the database path is covered below)
    rows = [["sku", "title", "price"], ["F-1", f"{prefix}cmd|' /C calc'!A0", Decimal("1.00")]]

    # when exported as CSV and as XLSX
    body = b"".join(export_csv(iter(rows))).decode("utf-8-sig")
    record = list(csv.reader(io.StringIO(body)))[1]
    with export_xlsx_file(iter(rows)) as fh:
        sheet = openpyxl.load_workbook(fh).active
        cell = sheet["B2"]

    # then both cells start with a quote and the xlsx cell is text, never a formula
    assert record[1] == f"'{prefix}cmd|' /C calc'!A0"
    assert cell.data_type == "s"
    assert cell.value.startswith("'")
    assert neutralise(f"{prefix}x") == f"'{prefix}x"
    assert neutralise("plain") == "plain"
    assert neutralise(-5) == -5  # numbers stay numbers


def test_csv_export_of_stored_products_is_neutralised(staff_client):
    product_create(sku="F-2", title="=1+2", price=Decimal("1.00"), brand="-Brand")
    body = b"".join(export_csv(export_rows(Product.objects.all()))).decode("utf-8-sig")
    record = list(csv.reader(io.StringIO(body)))[1]
    assert (record[COLUMNS.index("title")], record[COLUMNS.index("brand")]) == ("'=1+2", "'-Brand")


def test_xlsx_export_streams_products_and_variants_with_escaping(staff_client):
    parent = product_create(sku="X-1", title="@SUM(1+1)", price=Decimal("1.00"), brand="+Brand")
    variant_create(product=parent, sku="X-1-S", options={"Size": "S"}, quantity=3)
    response = staff_client.get("/imports/export/?format=xlsx")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == COLUMNS
    assert rows[1][:4] == ["X-1", "'@SUM(1+1)", None, "'+Brand"]
    assert rows[2][0] == "X-1-S"
    assert rows[2][COLUMNS.index("parent_sku")] == "X-1"
    assert rows[2][COLUMNS.index("option1_value")] == "S"


def test_csv_export_is_filtered_like_the_list(staff_client):
    product_create(sku="A-1", title="Apple", price=Decimal("1.00"), status="active")
    product_create(sku="B-1", title="Banana", price=Decimal("1.00"))
    response = staff_client.get("/imports/export/?format=csv&status=active")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert [r[0] for r in csv.reader(io.StringIO(body))] == ["sku", "A-1"]
    assert staff_client.get("/imports/export/?format=pdf").status_code == 400


def test_export_then_import_is_unchanged(tmp_path, staff_client):
    parent = product_create(sku="R-1", title="Round", price=Decimal("9.99"), barcode="4006381333931", quantity=2)
    variant_create(product=parent, sku="R-1-S", options={"Size": "S"}, price=Decimal("10.50"))
    body = b"".join(staff_client.get("/imports/export/?format=csv").streaming_content)
    path = tmp_path / "export.csv"
    path.write_bytes(body)
    batch = import_file(path=path)
    assert (batch.unchanged_count, batch.created_count, batch.updated_count, batch.error_count) == (2, 0, 0, 0)


def test_template_workbook_has_headers_sample_rows_and_notes(tmp_path):
    workbook = openpyxl.load_workbook(io.BytesIO(template_workbook()))
    assert workbook.sheetnames == ["Products", "Notes"]
    rows = [list(r) for r in workbook["Products"].iter_rows(values_only=True)]
    assert rows[0] == COLUMNS
    assert rows[1][0] == "TSHIRT-001"
    assert rows[2][COLUMNS.index("parent_sku")] == "TSHIRT-001"
    notes = [r[0] for r in workbook["Notes"].iter_rows(values_only=True)]
    assert set(COLUMNS) <= set(notes)
    # and the template itself imports cleanly (dry run; its channel and images need a catalog)
    path = tmp_path / "template.xlsx"
    path.write_bytes(template_workbook())
    batch = import_file(path=path, dry_run=True)
    assert batch.created_count + batch.error_count == 2


def test_commit_interrupted_and_run_again_can_still_be_undone(tmp_path, monkeypatch):
    # given a 5-row file committed in chunks of 2 whose worker dies after the first chunk
    from catalog.importing import engine, services

    from .conftest import product_rows

    monkeypatch.setattr(engine, "CHUNK_SIZE", 2)
    path = write_xlsx(tmp_path / "crash.xlsx", product_rows(5))
    with path.open("rb") as fh:
        batch = services.import_batch_create(upload=fh, filename="crash.xlsx", start=False)
    calls = {"n": 0}
    real_process = engine.ImportRun.process

    def dying_process(self, chunk, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return real_process(self, chunk, **kwargs)

    monkeypatch.setattr(engine.ImportRun, "process", dying_process)
    with pytest.raises(RuntimeError, match="worker killed"):
        services.import_batch_commit(batch=batch)
    batch.refresh_from_db()
    assert (batch.status, batch.processed_rows, Product.objects.count()) == ("committing", 2, 2)
    assert len(batch.created_product_ids) == 1

    # when the queue delivers the commit again
    monkeypatch.setattr(engine.ImportRun, "process", real_process)
    batch = services.import_batch_commit(batch=batch)

    # then all rows are in, and undo removes all five, including those of the first attempt
    assert (batch.status, batch.created_count, batch.unchanged_count) == ("committed", 3, 2)
    assert Product.objects.count() == 5
    undone = import_batch_undo(batch=batch)
    assert undone.undo_report["deleted"] == 5
    assert not Product.objects.exists()
