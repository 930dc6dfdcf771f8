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
