import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connections

from catalog.importing import tasks
from catalog.models import ImportBatch, ImportBatchStatus, Product
from catalog.services import product_create

from .conftest import product_rows, write_csv, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    calls = []
    monkeypatch.setattr("catalog.importing.services.enqueue", lambda func, *args, **kw: calls.append((func, args)))
    return calls


def _upload(client, path, on_error="skip-rows", **extra):
    with path.open("rb") as fh:
        return client.post("/imports/", {"file": fh, "on_error": on_error, **extra})


def test_upload_preview_confirm_progress_summary_and_undo(staff_client, tmp_path, queued):
    # given a file of three new products, one existing product changed, and one bad row
    product_create(sku="P-000000", title="Product 0", price=Decimal("9.00"), currency="USD", quantity=0, brand="Acme")
    rows = product_rows(4) + [["BAD SKU", "x", "1", "USD", 1, "A"]]
    path = write_xlsx(tmp_path / "flow.xlsx", rows)

    # when it is uploaded: the request only stores it and queues the dry run
    response = _upload(staff_client, path)
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/imports/{batch.pk}/"
    assert batch.status == ImportBatchStatus.UPLOADED
    assert [(f.__name__, args) for f, args in queued] == [("import_batch_validate_task", (batch.pk,))]
    assert not Product.objects.filter(sku="P-000001").exists()

    # and the page shows the progress section the script polls
    page = staff_client.get(f"/imports/{batch.pk}/").content.decode()
    assert 'id="import-progress"' in page
    assert 'data-running="1"' in page
    assert "js/imports.js" in page
    assert "<script>" not in page  # no inline script (CSP)

    # when the worker runs the dry run
    tasks.import_batch_validate_task(batch.pk)

    # then the preview shows exact counts, the error with its cell, a diff, and the confirm form
    status = staff_client.get(f"/imports/{batch.pk}/status/").json()
    assert status | {"rows_per_second": 0} == status | {
        "status": "validated",
        "is_running": False,
        "percent": 100,
        "processed": 5,
        "total": 5,
        "created": 3,
        "updated": 1,
        "unchanged": 0,
        "errors": 1,
        "rows_per_second": 0,
    }
    page = staff_client.get(f"/imports/{batch.pk}/").content.decode()
    assert 'id="import-confirm"' in page
    assert "SKU &#x27;BAD SKU&#x27; contains spaces" in page
    assert 'id="import-diffs"' in page
    assert 'id="import-error-workbook"' in page
    assert not Product.objects.filter(sku="P-000001").exists()

    # when confirmed: the commit is queued
    response = staff_client.post(f"/imports/{batch.pk}/confirm/")
    assert response.status_code == 302
    assert [f.__name__ for f, _ in queued] == ["import_batch_validate_task", "import_batch_commit_task"]
    assert staff_client.get(f"/imports/{batch.pk}/status/").json()["status"] == "committing"

    # when the worker commits
    tasks.import_batch_commit_task(batch.pk)

    # then the summary shows what was written and offers undo
    batch.refresh_from_db()
    assert (batch.status, batch.created_count, batch.updated_count, batch.error_count) == ("committed", 3, 1, 1)
    assert Product.objects.get(sku="P-000000").price == Decimal("10.50")
    page = staff_client.get(f"/imports/{batch.pk}/").content.decode()
    assert 'id="import-undo"' in page
    assert 'data-running="0"' in page

    # and the error workbook can be downloaded
    errors = staff_client.get(f"/imports/{batch.pk}/errors.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(errors.content)).active
    assert [r[0] for r in sheet.iter_rows(values_only=True)] == ["sku", "BAD SKU"]

    # when undo is asked for: the request only queues it, and the page shows the undo's progress
    response = staff_client.post(f"/imports/{batch.pk}/undo/")
    assert response.status_code == 302
    assert [f.__name__ for f, _ in queued][-1] == "import_batch_undo_task"
    assert Product.objects.count() == 4
    status = staff_client.get(f"/imports/{batch.pk}/status/").json()
    assert (status["status"], status["is_running"], status["processed"], status["total"]) == ("undoing", True, 0, 4)
    page = staff_client.get(f"/imports/{batch.pk}/").content.decode()
    assert 'data-running="1"' in page
    assert 'id="import-undo"' not in page
    assert "<span>Created</span>" in page  # the counts are what the import did, not a preview

    # when the worker runs the undo
    tasks.import_batch_undo_task(batch.pk)

    # then everything is back, and the status says so
    batch.refresh_from_db()
    assert batch.status == ImportBatchStatus.UNDONE
    assert list(Product.objects.values_list("sku", "price")) == [("P-000000", Decimal("9.00"))]
    status = staff_client.get(f"/imports/{batch.pk}/status/").json()
    assert (status["status"], status["is_running"], status["percent"]) == ("undone", False, 100)


def test_refused_upload_shows_the_reason_on_the_form(staff_client, tmp_path, queued):
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"sku,title\nA,b\n")
    response = _upload(staff_client, path)
    assert response.status_code == 200
    assert "named .xlsx but its content is not a workbook" in response.content.decode()
    assert queued == []
    assert ImportBatch.objects.get().status == ImportBatchStatus.REFUSED


def test_upload_over_the_limit_is_refused_by_the_form(staff_client, tmp_path, settings, queued):
    settings.IMPORT_MAX_BYTES = 10
    response = _upload(staff_client, write_csv(tmp_path / "p.csv", product_rows(3)))
    assert "the limit is 0.0 MB" in response.content.decode()
    assert not ImportBatch.objects.exists()
    assert queued == []


def test_reject_all_preview_cannot_be_confirmed(staff_client, tmp_path, queued):
    _upload(staff_client, write_csv(tmp_path / "p.csv", [["sku", "title", "price"], ["A", "a", "x"]]), "reject-all")
    batch = ImportBatch.objects.get()
    tasks.import_batch_validate_task(batch.pk)
    page = staff_client.get(f"/imports/{batch.pk}/").content.decode()
    assert 'id="import-confirm"' not in page
    assert 'id="import-rejected"' in page
    response = staff_client.post(f"/imports/{batch.pk}/confirm/", follow=True)
    assert "1 row(s) failed and the policy is &#x27;reject all&#x27;" in response.content.decode()
    assert len(queued) == 1


def test_pages_need_login_and_permission(client, django_user_model, tmp_path):
    assert client.get("/imports/").status_code == 302
    user = django_user_model.objects.create_user("clerk", password="pw-clerk-123", is_staff=True)
    client.force_login(user)
    assert client.get("/imports/").status_code == 403
    assert client.get("/imports/export/?format=csv").status_code == 403


def test_upload_page_and_template_download(staff_client):
    page = staff_client.get("/imports/").content.decode()
    assert 'id="import-upload-form"' in page
    response = staff_client.get("/imports/template.xlsx")
    assert response["Content-Disposition"] == 'attachment; filename="products-template.xlsx"'
    assert openpyxl.load_workbook(io.BytesIO(response.content)).sheetnames == ["Products", "Notes"]


# --- CLI ---


def _cli(path, *args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_products", str(path), *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue().strip().splitlines()[-1], err.getvalue()


def test_cli_exit_0_when_no_row_failed(tmp_path, admin_user):
    code, last, _ = _cli(write_xlsx(tmp_path / "ok.xlsx", product_rows(2)), "--user", "boss")
    assert (code, last) == (0, "created=2 updated=0 unchanged=0 errors=0")
    assert Product.objects.filter(created_by=admin_user).count() == 2


def test_cli_dry_run_writes_nothing(tmp_path):
    code, last, _ = _cli(write_xlsx(tmp_path / "ok.xlsx", product_rows(2)), "--dry-run")
    assert (code, last) == (0, "created=2 updated=0 unchanged=0 errors=0")
    assert not Product.objects.exists()


def test_cli_exit_1_when_rows_failed(tmp_path):
    path = write_csv(tmp_path / "bad.csv", product_rows(2) + [["BAD SKU", "x", "1", "USD", 1, "A"]], delimiter=";")
    code, last, err = _cli(path)
    assert (code, last) == (1, "created=2 updated=0 unchanged=0 errors=1")
    assert "row 4 sku ('BAD SKU'): SKU 'BAD SKU' contains spaces" in err
    assert not Product.objects.exists()  # reject-all is the default
    code, last, _ = _cli(path, "--on-error", "skip-rows")
    assert (code, last) == (1, "created=2 updated=0 unchanged=0 errors=1")
    assert Product.objects.count() == 2


def test_cli_exit_2_when_the_file_is_refused(tmp_path):
    path = tmp_path / "p.xlsx"
    path.write_bytes(b"%PDF-1.4")
    code, last, err = _cli(path)
    assert (code, last) == (2, "created=0 updated=0 unchanged=0 errors=0")
    assert "content is a PDF document" in err
    code, _, err = _cli(tmp_path / "missing.csv")
    assert code == 2
    assert "File not found" in err
    code, _, err = _cli(write_csv(tmp_path / "ok.csv", product_rows(1)), "--user", "nobody")
    assert code == 2
    assert "No user named 'nobody'." in err


def test_cli_keeps_no_debug_log_of_statements(tmp_path, settings):
    # Under DEBUG the log held every statement with a chunk of rows as its parameter (docs/benchmarks.md)
    settings.DEBUG = True
    connection = connections["default"]
    code, last, _ = _cli(write_xlsx(tmp_path / "ok.xlsx", product_rows(3)))
    assert (code, last) == (0, "created=3 updated=0 unchanged=0 errors=0")
    assert len(connection.queries_log) == 0
    assert connection.queries_log.maxlen == connection.queries_limit  # bounded again, as before the command
    Product.objects.count()
    assert len(connection.queries_log) == 1
