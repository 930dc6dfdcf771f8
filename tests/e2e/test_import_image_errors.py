"""Browser flow: an import whose image URL cannot be fetched shows the failure on the batch page, with the row
errors (docs/imports.md#what-an-operator-sees)."""

import openpyxl
import pytest
from playwright.sync_api import expect

from catalog.models import ImportBatch, Product

from .conftest import run_queue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_image_url_that_cannot_be_fetched_shows_on_the_batch_page(
    page, staff_login, live_server, settings, tmp_path
):
    # given a file whose one row names an image the server does not have (the live server answers 404)
    settings.IMPORT_IMAGE_ALLOW_PRIVATE_HOSTS = True
    missing = f"{live_server.url}/static/no-such-image.png"
    workbook = openpyxl.Workbook()
    for row in (["sku", "title", "price", "image_urls"], ["PIC-1", "Pictured", "5.00", missing]):
        workbook.active.append(row)
    path = tmp_path / "pictures.xlsx"
    workbook.save(path)
    staff_login()

    # when it is uploaded, checked, confirmed and the workers run (dry run, commit, image fetch)
    page.goto("/imports/")
    page.set_input_files("#import-upload-form input[type=file]", str(path))
    page.click("#import-upload-submit")
    run_queue()
    page.reload()
    page.click("#import-confirm-button")
    run_queue()
    batch = ImportBatch.objects.get()
    assert (batch.status, Product.objects.get().sku) == ("committed", "PIC-1")
    page.goto(f"/imports/{batch.pk}/")

    # then the batch page lists the failed image with its row, column, URL and what to do, and offers the workbook
    failure = page.locator("#import-image-errors [data-image-error]")
    expect(failure).to_have_count(1)
    expect(failure.locator("td").nth(1)).to_have_text("2")
    expect(failure.locator("td").nth(2)).to_have_text("image_urls")
    expect(failure.locator("td").nth(3)).to_have_text(missing)
    expect(failure.locator("td").nth(4)).to_have_text("no image at this address (HTTP 404); check the URL")
    expect(page.locator("#import-error-workbook")).to_be_visible()
