import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.importing import services, workbooks
from catalog.models import ImportBatch

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _upload(client, content, name="products.xlsx"):
    return client.post(
        "/api/v1/imports/", {"file": SimpleUploadedFile(name, content), "on_error": "skip-rows"}, format="multipart"
    )


def test_import_upload_preview_confirm_errors(api):
    # given an uploaded template (headers, no rows)
    response = _upload(api, workbooks.template_workbook())
    assert response.status_code == 201, response.json()
    batch_id = response.json()["id"]
    assert response.json()["status"] == "uploaded"
    # when the background dry run has run
    services.import_batch_validate(batch=ImportBatch.objects.get(pk=batch_id))
    body = api.get(f"/api/v1/imports/{batch_id}/").json()
    assert body["status"] == "validated"
    assert (body["created_count"], body["error_count"]) == (1, 1)  # the template's example row and its bad twin
    # then confirming queues the commit
    response = api.post(f"/api/v1/imports/{batch_id}/confirm/")
    assert response.status_code == 202, response.json()
    assert response.json()["status"] == "committing"
    # and a second confirm is refused
    assert api.post(f"/api/v1/imports/{batch_id}/confirm/").status_code == 409
    # and rollback of a batch that is not committed yet is refused
    assert api.post(f"/api/v1/imports/{batch_id}/rollback/").status_code == 409
    # and the error workbook downloads
    response = api.get(f"/api/v1/imports/{batch_id}/errors/")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response.content[:2] == b"PK"


def test_import_upload_of_garbage_is_recorded_as_refused(api):
    response = _upload(api, b"\x00\x01 not a spreadsheet", name="evil.xlsx")
    assert response.status_code == 201
    assert response.json()["status"] == "refused"
    assert response.json()["message"]


def test_viewer_cannot_upload(viewer_api):
    response = _upload(viewer_api, workbooks.template_workbook())
    assert response.status_code == 403
    assert not ImportBatch.objects.exists()


def test_import_upload_field_given_twice_is_400(api):
    response = api.post(
        "/api/v1/imports/",
        {"file": SimpleUploadedFile("a.xlsx", workbooks.template_workbook()), "on_error": ["skip-rows", "reject-all"]},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "on_error"
    assert not ImportBatch.objects.exists()


def test_empty_page_parameter_is_400(api):
    response = api.get("/api/v1/imports/", {"page": ""})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "page"


def _two_sheet_workbook() -> bytes:
    import io

    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["nothing", "here"])
    data = book.create_sheet("Data")
    data.append(["sku", "title", "price"])
    data.append(["SH-1", "From the second sheet", "2.00"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_import_upload_reads_the_named_sheet(api):
    # when a two-sheet workbook is uploaded naming its second sheet
    response = api.post(
        "/api/v1/imports/",
        {"file": SimpleUploadedFile("two.xlsx", _two_sheet_workbook()), "on_error": "skip-rows", "sheet": "Data"},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["sheet_name"] == "Data"

    # then the dry run reads that sheet
    batch = services.import_batch_validate(batch=ImportBatch.objects.get(pk=response.json()["id"]))
    assert (batch.status, batch.sheet_name, batch.created_count, batch.error_count) == ("validated", "Data", 1, 0)


def test_import_upload_without_sheet_reads_the_first_and_an_unknown_sheet_is_refused_with_the_names(api):
    first = _upload(api, _two_sheet_workbook(), name="two.xlsx").json()
    batch = services.import_batch_validate(batch=ImportBatch.objects.get(pk=first["id"]))
    assert (batch.status, batch.message) == ("refused", "The sheet has no 'sku' column (headers found: nothing, here).")
    response = api.post(
        "/api/v1/imports/",
        {"file": SimpleUploadedFile("two.xlsx", _two_sheet_workbook()), "on_error": "skip-rows", "sheet": "Nope"},
        format="multipart",
    )
    batch = services.import_batch_validate(batch=ImportBatch.objects.get(pk=response.json()["id"]))
    assert batch.status == "refused"
    assert batch.message == "The workbook has no sheet 'Nope'; its sheets are: Notes, Data."


def test_import_rollback_queues_the_undo_and_answers_202(api, tmp_path):
    from unittest.mock import patch

    from catalog.importing.tasks import import_batch_undo_task
    from catalog.models import Product

    # given a committed batch that created one product
    batch_id = _upload(api, _two_sheet_workbook(), name="two.xlsx").json()["id"]
    batch = ImportBatch.objects.get(pk=batch_id)
    batch.sheet_name = "Data"
    batch.save()
    batch = services.import_batch_commit(batch=batch)
    assert (batch.status, Product.objects.count()) == ("committed", 1)

    # when rolled back through the API
    with patch("catalog.importing.services.enqueue") as enqueue:
        response = api.post(f"/api/v1/imports/{batch_id}/rollback/")

    # then the undo is queued, not run: 202 with status "undoing" and its total
    assert response.status_code == 202, response.json()
    assert (response.json()["status"], response.json()["undo_report"]["total"]) == ("undoing", 1)
    assert [c.args for c in enqueue.call_args_list] == [(import_batch_undo_task, batch_id)]
    assert Product.objects.count() == 1
    # and a second rollback is refused while it runs
    assert api.post(f"/api/v1/imports/{batch_id}/rollback/").status_code == 409
    # and the worker finishes it
    import_batch_undo_task(batch_id)
    assert api.get(f"/api/v1/imports/{batch_id}/").json()["status"] == "undone"
    assert not Product.objects.exists()
