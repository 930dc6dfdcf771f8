import http.server
import io
import threading
from decimal import Decimal

import openpyxl
import pytest

from catalog.importing import tasks
from catalog.importing.images import FetchError, image_fetch
from catalog.importing.services import (
    import_batch_commit,
    import_batch_create,
    import_batch_undo,
    import_batch_validate,
    import_file,
)
from catalog.models import ImportRow, Product, ProductImage
from listings.models import Listing
from tests.fixtures.channels import listable_image

from .conftest import write_xlsx

pytestmark = pytest.mark.django_db


class _ImageHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the stdlib's name
        if self.path == "/shot.png":
            body, kind = listable_image(), "image/png"
        elif self.path in ("/private.png", "/moved.png"):
            self.send_response(403 if self.path == "/private.png" else 302)
            self.send_header("Location", "http://elsewhere.example/x.png")
            self.end_headers()
            return
        elif self.path == "/not-an-image.png":
            body, kind = b"<html>hello</html>", "text/html"
        else:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def image_server(settings):
    settings.IMPORT_IMAGE_ALLOW_PRIVATE_HOSTS = True
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ImageHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_image_urls_are_fetched_after_the_commit_with_the_upload_checks(tmp_path, image_server, queued):
    # given a row with a good image, a 404 and an HTML page posing as an image
    urls = f"{image_server}/shot.png; {image_server}/missing.png;{image_server}/not-an-image.png"
    rows = [["sku", "title", "price", "image_urls"], ["IMG-1", "Pictured", "5.00", urls]]

    # when imported, the fetch is queued (not done in the import)
    batch = import_file(path=write_xlsx(tmp_path / "i.xlsx", rows))
    assert [f.__name__ for f, _ in queued] == ["import_images_fetch_task"]
    assert not ProductImage.objects.exists()

    # when the worker runs it
    tasks.import_images_fetch_task(batch.pk)

    # then the good image is on the product and the two failures are kept on the row
    image = ProductImage.objects.get()
    assert (image.product.sku, image.is_primary, image.original_filename) == ("IMG-1", True, "shot.png")
    row = ImportRow.objects.get(batch=batch, kind="images")
    assert [e["value"].rsplit("/", 1)[-1] for e in row.errors] == ["missing.png", "not-an-image.png"]
    assert row.errors[0]["message"] == "no image at this address (HTTP 404); check the URL"
    assert row.after == {"done": True}

    # and running the task again does not fetch twice
    tasks.import_images_fetch_task(batch.pk)
    assert ProductImage.objects.count() == 1


def test_image_failures_show_on_the_batch_page_and_in_the_error_workbook(tmp_path, image_server, queued, staff_client):
    # given an import whose row 3 names a missing image and an HTML page, next to a clean row 2
    rows = [
        ["sku", "title", "price", "brand", "image_urls"],
        ["IMG-0", "Clean", "5.00", "Acme", f"{image_server}/shot.png"],
        [
            "IMG-1",
            "Pictured",
            "5.00",
            "Acme",
            f"{image_server}/shot.png;{image_server}/missing.png;{image_server}/not-an-image.png",
        ],
    ]
    batch = import_file(path=write_xlsx(tmp_path / "i.xlsx", rows))
    tasks.import_images_fetch_task(batch.pk)

    # then the batch page lists each failure with its row, column, URL and a reason the seller can act on
    page = staff_client.get(f"/imports/{batch.pk}/").content.decode()
    assert page.count("data-image-error") == 2
    assert f"<td>3</td><td>image_urls</td><td>{image_server}/missing.png</td>" in page
    assert "no image at this address (HTTP 404); check the URL" in page
    assert "The file is not an image (its content is not JPEG, PNG, WebP or GIF)." in page
    assert "Download the failed rows as a workbook" in page
    assert "the workbook has them all" not in page

    # and the error workbook (also behind the API) has them on their own sheet: sku, the failed URLs, errors
    response = staff_client.get(f"/imports/{batch.pk}/errors.xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Products", "Image errors"]
    assert list(workbook["Products"].iter_rows(values_only=True)) == [(*rows[0], "errors")]
    sheet = list(workbook["Image errors"].iter_rows(values_only=True))
    assert sheet[0] == ("sku", "image_urls", "errors")
    assert sheet[1][:2] == ("IMG-1", f"{image_server}/missing.png; {image_server}/not-an-image.png")
    assert sheet[1][2].startswith(
        "row 3 image_urls: no image at this address (HTTP 404); check the URL; row 3 image_urls: The file"
    )
    assert len(sheet) == 2

    # and that sheet imported again only retries the images: the brand and title stay
    Product.objects.filter(sku="IMG-1").update(brand="Kept")
    again = import_batch_create(
        upload=io.BytesIO(response.content), filename="again.xlsx", sheet_name="Image errors", start=False
    )
    again = import_batch_commit(batch=import_batch_validate(batch=again))
    # (the product's fields are as stored, so the row is unchanged; its image URLs are queued again)
    assert (again.status, again.unchanged_count, again.error_count) == ("committed", 1, 0)
    assert again.unknown_columns == ["errors (column C)"]
    assert ImportRow.objects.get(batch=again, kind="images").values == [
        f"{image_server}/missing.png",
        f"{image_server}/not-an-image.png",
    ]
    assert Product.objects.get(sku="IMG-1").brand == "Kept"


def test_batch_page_lists_the_first_image_failures_and_says_the_workbook_has_all(staff_client, monkeypatch):
    from catalog.importing import views
    from catalog.models import ImportBatch

    # given a batch with three image failures and a page limit of two
    monkeypatch.setattr(views, "FIRST_ERRORS_KEPT", 2)
    batch = ImportBatch.objects.create(token="t-images", original_filename="x.xlsx", file_format="xlsx")
    errors = [{"column": "image_urls", "value": f"https://x.test/{n}.png", "message": "no image"} for n in range(3)]
    ImportRow.objects.create(batch=batch, kind="images", row_number=2, sku="A", values=[], errors=errors)

    # then the page shows two and points to the workbook, which has all three
    page = staff_client.get(f"/imports/{batch.pk}/").content.decode()
    assert page.count("data-image-error") == 2
    assert "(first 2; the workbook has them all)" in page
    workbook = openpyxl.load_workbook(io.BytesIO(staff_client.get(f"/imports/{batch.pk}/errors.xlsx").content))
    assert list(workbook["Image errors"].iter_rows(values_only=True))[1][2].count("row 2 image_urls") == 3


def test_image_fetch_reasons_say_what_to_do(image_server):
    with pytest.raises(FetchError, match=r"^no image at this address \(HTTP 404\); check the URL$"):
        image_fetch(f"{image_server}/gone.png")
    with pytest.raises(FetchError, match=r"refused access \(HTTP 403\); make the image public"):
        image_fetch(f"{image_server}/private.png")
    with pytest.raises(FetchError, match=r"redirects \(HTTP 302\); put the image's final address"):
        image_fetch(f"{image_server}/moved.png")


def test_image_fetch_refuses_local_addresses_by_default(settings):
    settings.IMPORT_IMAGE_ALLOW_PRIVATE_HOSTS = False
    with pytest.raises(FetchError, match="host '127.0.0.1' is a private or local address"):
        image_fetch("http://127.0.0.1:9/x.png")


def test_image_fetch_refuses_files_over_the_limit(settings, image_server):
    settings.IMAGE_MAX_BYTES = 100
    with pytest.raises(FetchError, match="larger than"):
        image_fetch(f"{image_server}/shot.png")


def test_channels_column_creates_listings_and_undo_removes_them(tmp_path, make_channel, queued):
    # given two channels
    make_channel("shopify", name="Shopify US")
    make_channel("lazada", name="Lazada MY")
    rows = [
        ["sku", "title", "price", "channels"],
        ["CH-1", "Listed", "5.00", "shopify us, Lazada MY"],
        ["CH-2", "Unlisted", "5.00", None],
    ]

    # when imported and the listing task runs
    batch = import_file(path=write_xlsx(tmp_path / "c.xlsx", rows))
    assert [f.__name__ for f, _ in queued] == ["import_listings_create_task"]
    tasks.import_listings_create_task(batch.pk)

    # then CH-1 has a draft listing on each channel
    listed = Listing.objects.filter(product__sku="CH-1").order_by("channel__name")
    assert [(x.channel.name, x.status) for x in listed] == [("Lazada MY", "draft"), ("Shopify US", "draft")]

    # and running the task again creates nothing more
    tasks.import_listings_create_task(batch.pk)
    assert Listing.objects.count() == 2

    # when the batch is undone, the listings and the products go
    undone = import_batch_undo(batch=batch)
    assert undone.undo_report["listings_deleted"] == 2
    assert not Listing.objects.exists()
    assert not Product.objects.exists()


def test_unknown_channel_is_a_row_error(tmp_path, make_channel):
    make_channel("shopify", name="Shopify US")
    rows = [["sku", "title", "price", "channels"], ["CH-1", "x", "5.00", "Shopify US, Ebay"]]
    batch = import_file(path=write_xlsx(tmp_path / "c.xlsx", rows), dry_run=True)
    assert [(e["column"], e["message"]) for e in batch.first_errors] == [
        ("channels", "Unknown channel 'Ebay'; channels are: Shopify US.")
    ]


def test_archived_product_listing_refusal_is_kept_on_the_row(tmp_path, make_channel, queued):
    make_channel("shopify", name="Shopify US")
    rows = [["sku", "title", "price", "status", "channels"], ["CH-9", "Old", Decimal("5.00"), "archived", "Shopify US"]]
    batch = import_file(path=write_xlsx(tmp_path / "c.xlsx", rows))
    tasks.import_listings_create_task(batch.pk)
    row = ImportRow.objects.get(batch=batch, kind="channels")
    assert row.errors == [
        {
            "column": "channels",
            "value": "Shopify US",
            "message": "Product CH-9 is archived; restore it before listing it.",
        }
    ]
    assert not Listing.objects.exists()


def test_a_channel_the_uploader_may_not_use_is_a_row_error(tmp_path, make_channel, make_user, queued):
    from accounts.services import user_channels_restrict

    # given an editor limited to one of two channels
    allowed = make_channel("shopify", name="Shopify US")
    make_channel("lazada", name="Lazada MY")
    editor = make_user("limited-importer", "editor")
    user_channels_restrict(target=editor, channel_ids=[allowed.pk])
    rows = [["sku", "title", "price", "channels"], ["CH-5", "Listed", "5.00", "Shopify US, Lazada MY"]]
    # when they import a row naming both
    batch = import_file(path=write_xlsx(tmp_path / "c.xlsx", rows), user=editor)
    tasks.import_listings_create_task(batch.pk)
    # then the allowed listing exists and the other is refused on the row, naming the channel
    assert [x.channel.name for x in Listing.objects.filter(product__sku="CH-5")] == ["Shopify US"]
    row = ImportRow.objects.get(batch=batch, kind="channels")
    assert [(e["value"], "Lazada MY" in e["message"]) for e in row.errors] == [("Lazada MY", True)]
