"""Browser flows: log in, create a product with two images, assign it to two channels, fix a readiness
problem, publish and watch it go live on the marketplace sandbox; an import committed and undone."""

import io
import re

import pytest
from playwright.sync_api import expect

from catalog.demo import demo_image
from catalog.models import Product
from catalog.services import category_create, product_create, product_update, variant_create
from channels.services import category_mapping_set
from listings.models import Listing

from .conftest import run_queue, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAZADA_CATEGORY = "10000123"  # a category id the Lazada sandbox knows
SHOPEE_CATEGORY = "100644"  # a category id the Shopee sandbox knows


@pytest.fixture
def two_channels(make_channel, sandbox, settings):
    settings.SYNC_RETRY_SCHEDULE = (0.1, 0.1, 0.1)
    channels = []
    for code, name in (("lazada", "Lazada MY"), ("shopee", "Shopee MY")):
        account = sandbox.account(code)
        channels.append(
            make_channel(
                code,
                name=name,
                base_url=sandbox.url(code),
                shop_id=account["shop_id"],
                credentials=account["credentials"],
                rate_limit_per_second=200,
                rate_limit_burst=5,
            )
        )
    return channels


def nav(page, name):
    page.locator(".mainnav").get_by_role("link", name=name, exact=True).click()


def _png_files(tmp_path):
    paths = []
    for n, colour in enumerate(((230, 230, 230), (40, 110, 200))):
        path = tmp_path / f"mug-{n + 1}.png"
        path.write_bytes(demo_image(colour, n + 3, size=1000))
        paths.append(str(path))
    return paths


def test_product_to_live_on_two_channels(page, staff_login, two_channels, tmp_path, sandbox):
    lazada, shopee = two_channels
    mugs = category_create(name="Mugs")
    category_mapping_set(channel=lazada, category=mugs, external_category_id=LAZADA_CATEGORY)
    staff_login()

    # Create a product with two images (drag-and-drop zone, file input underneath).
    nav(page, "Products")
    page.get_by_role("link", name="New product").click()
    page.fill("#id_sku", "MUG-E2E-1")
    page.fill("#id_title", "Stoneware mug 350 ml")
    page.select_option("#id_status", "active")
    page.select_option("#id_category", str(mugs.pk))
    page.fill("#id_brand", "Acme")
    page.fill("#id_price", "12.50")
    page.fill("#id_quantity", "30")
    page.fill("#id_weight_grams", "400")
    page.fill("#id_length_mm", "120")
    page.fill("#id_width_mm", "90")
    page.fill("#id_height_mm", "100")
    page.fill("#id_description", "<p>A sturdy stoneware mug, dishwasher safe, holds 350 ml.</p>")
    page.set_input_files("#id_images", _png_files(tmp_path))
    expect(page.locator("[data-upload-preview] li")).to_have_count(2)
    expect(page.locator("[data-upload-preview] li").first).to_contain_text("1000×1000")
    screenshot(page, "product-form")
    page.get_by_role("button", name="Create product").click()
    expect(page.locator(".messages")).to_contain_text("Created MUG-E2E-1")
    expect(page.locator(".image-card")).to_have_count(2)
    product = Product.objects.get(sku="MUG-E2E-1")

    # Assign it to both channels from the product list.
    nav(page, "Products")
    page.fill("#id_q", "MUG-E2E")
    page.get_by_role("button", name="Filter").click()
    page.check(f"input[name=ids][value='{product.pk}']")
    page.select_option("#id_action", "assign")
    page.locator(".channel-pick summary").click()
    page.get_by_label("Lazada MY").check()
    page.get_by_label("Shopee MY").check()
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.locator(".messages")).to_contain_text("2 new listing(s)")

    # The matrix says why Shopee is not ready: its category is not mapped. Fix it in the mapping editor.
    # It shows one channel at a time, by default the first by name (docs/pages.md#listing-matrix).
    nav(page, "Listings")
    page.get_by_role("link", name="Matrix").click()
    expect(page.locator("#listing-matrix thead th")).to_have_text(["Product", "Lazada MY"])
    page.select_option("#id_show", label="Shopee MY")
    page.click("#matrix-switcher button[type=submit]")
    expect(page.locator("#listing-matrix thead th")).to_have_text(["Product", "Shopee MY"])
    shopee_listing = Listing.objects.get(product=product, channel=shopee)
    page.click(f"a[href='/listings/{shopee_listing.pk}/']")
    readiness = page.locator("#readiness")
    expect(readiness).to_contain_text(re.compile("categor", re.IGNORECASE))
    readiness.get_by_role("link", name="Map categories").click()
    page.fill(f"input[name=ext_{mugs.pk}]", SHOPEE_CATEGORY)
    page.get_by_role("button", name="Save mapping").click()
    expect(page.locator(".messages")).to_contain_text("Saved 1 category mapping")
    page.goto(f"/listings/{shopee_listing.pk}/")
    expect(page.locator("#readiness")).to_contain_text("Can be published")

    # Publish on both channels; the worker runs; the job page's progress bar follows it to the end.
    nav(page, "Products")
    page.fill("#id_q", "MUG-E2E")
    page.get_by_role("button", name="Filter").click()
    page.check(f"input[name=ids][value='{product.pk}']")
    page.select_option("#id_action", "publish")
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.locator(".messages li")).to_have_count(2)
    expect(page.locator(".messages")).to_contain_text("Publishing 1 listing(s) on Lazada MY")
    nav(page, "Sync history")
    page.locator(".jobs a").first.click()
    expect(page.locator("[data-poll-status]")).to_have_text(re.compile("Queued|Running"))
    run_queue()
    expect(page.locator("[data-poll-status]")).to_have_text("Succeeded")
    expect(page.locator("#job-progress progress")).to_have_attribute("value", "100")

    for listing in Listing.objects.filter(product=product):
        assert listing.status in ("live", "in_review"), (listing.channel.name, listing.status, listing.status_reason)
        assert listing.external_id
    assert len(sandbox.items("lazada")) == 1
    assert len(sandbox.items("shopee")) == 1
    nav(page, "Dashboard")
    expect(page.locator("#status-matrix")).to_be_visible()
    screenshot(page, "dashboard")
    nav(page, "Listings")
    page.get_by_role("link", name="Matrix").click()
    page.select_option("#id_show", label="All channels")
    page.click("#matrix-switcher button[type=submit]")
    page.wait_for_url("**show=all**")
    expect(page.locator("#listing-matrix .badge")).to_have_count(2)
    screenshot(page, "listing-matrix")


def test_family_stock_and_history_sentence_on_list_and_product_page(page, staff_login):
    # given a family whose stock lives on its variants (its own quantity is 0) and a category change
    shirts, polos = category_create(name="Shirts"), category_create(name="Polos")
    family = product_create(sku="FAM-E2E", title="Family tee", price="9.00", category=shirts)
    for size, quantity in (("S", 4), ("M", 6)):
        variant_create(product=family, sku=f"FAM-E2E-{size}", options={"Size": size}, quantity=quantity)
    product_update(product=family, category=polos)
    staff_login("erin")

    # the list shows the family's total
    page.goto("/catalog/products/?q=FAM-E2E")
    row = page.locator("#product-cards tbody tr").filter(has_text="FAM-E2E")
    expect(row.locator(".card-stock")).to_have_text("10")

    # the product page shows it too, per variant and in total, and the move as a sentence
    row.get_by_role("link", name="FAM-E2E").click()
    expect(page.locator("#product-stock")).to_contain_text("10 available over 2 variants")
    expect(page.locator("#variant-stock tfoot")).to_contain_text("Total")
    expect(page.locator("#history")).to_contain_text("Category changed from Shirts to Polos")
    screenshot(page, "product-family-stock")


def test_duplicate_image_warning_before_upload(page, staff_login, tmp_path):
    staff_login("dana")
    page.goto("/catalog/products/new/")
    same = demo_image((10, 20, 30), 5)
    for name in ("a.png", "b.png"):
        (tmp_path / name).write_bytes(same)
    page.set_input_files("#id_images", [str(tmp_path / "a.png"), str(tmp_path / "b.png")])
    expect(page.locator(".dup-warning")).to_have_count(1)
    expect(page.locator(".dup-warning")).to_contain_text("same picture as a.png")
    page.fill("#id_sku", "DUP-1")
    page.fill("#id_title", "Duplicate test")
    page.fill("#id_price", "3.00")
    page.get_by_role("button", name="Create product").click()
    expect(page.locator("#id_images_errors")).to_contain_text("b.png: This image is already on the product")
    assert not Product.objects.filter(sku="DUP-1").exists()


def test_import_workbook_commit_and_undo(page, staff_login, tmp_path):
    from openpyxl import Workbook

    staff_login("erin")
    book = Workbook()
    sheet = book.active
    sheet.append(["sku", "title", "price", "currency", "quantity", "status"])
    sheet.append(["IMP-1", "Imported kettle", "19.90", "USD", 4, "draft"])
    sheet.append(["IMP-2", "Imported teapot", "24.00", "USD", 2, "draft"])
    buffer = io.BytesIO()
    book.save(buffer)
    path = tmp_path / "products.xlsx"
    path.write_bytes(buffer.getvalue())

    nav(page, "Imports")
    page.set_input_files("#id_file", str(path))
    page.click("#import-upload-submit")
    run_queue()  # the page polls the batch and reloads itself when the worker is done (no reload by the test:
    # a second one racing the page's own made Chromium drop the page)
    expect(page.locator("#import-count-create")).to_have_text("2")
    page.click("#import-confirm-button")
    run_queue()  # ...and the page shows the result by itself again
    expect(page.locator("#import-status")).to_have_text("Imported")
    assert set(Product.objects.values_list("sku", flat=True)) == {"IMP-1", "IMP-2"}
    page.once("dialog", lambda dialog: dialog.accept())  # undo asks for confirmation first
    page.click("#import-undo-button")
    expect(page.locator("#import-status")).to_have_text("Undoing")  # queued for the worker, polled by the page
    assert Product.objects.filter(sku__in=["IMP-1", "IMP-2"]).count() == 2
    run_queue()  # ...and the page shows the result by itself again
    expect(page.locator("#import-status")).to_have_text(re.compile("Undone", re.IGNORECASE))
    assert not Product.objects.filter(sku__in=["IMP-1", "IMP-2"]).exists()
