"""Browser: an admin creates an upload feed from the Etilize-style sample, previews the mapping on the first rows
while editing (nothing saved), saves it, runs it, and follows the run from the feed's history to its job."""

import json

import pytest
from playwright.sync_api import expect

from catalog.models import Product
from operations.demo import DEMO_MAPPING, SAMPLE
from operations.models import Feed

from .conftest import PASSWORD, run_queue

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_create_feed_with_preview_and_run_it(page, make_user):
    admin = make_user("feed-admin", "admin")
    admin.set_password(PASSWORD)
    admin.save()
    page.goto("/accounts/login/")
    page.fill("#id_username", "feed-admin")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")

    page.goto("/operations/feeds/")
    page.click("#feed-new")
    page.fill("#id_name", "Etilize sample")
    page.select_option("#id_source_type", "upload")
    page.set_input_files("#id_upload", str(SAMPLE))
    page.select_option("#id_format", "csv")
    page.select_option("#id_on_error", "skip-rows")
    page.fill("#id_mapping", json.dumps(DEMO_MAPPING, indent=1))
    page.click("#feed-preview")

    preview = page.locator("#preview")
    expect(preview).to_contain_text("Preview of etilize_products_sample.csv: 8 row(s)")
    expect(preview).to_contain_text("Office > Printer supplies > Toner")
    expect(preview).to_contain_text("107.99")
    assert not Feed.objects.exists()

    page.set_input_files("#id_upload", str(SAMPLE))  # a browser never re-sends a file after a round trip
    page.click("#feed-save")
    expect(page.get_by_role("status")).to_contain_text("Feed 'Etilize sample' saved.")
    expect(page.locator("#runs")).to_contain_text("Not run yet.")

    page.click("#feed-run")
    page.wait_for_url("**/operations/jobs/job-*/")
    run_queue()  # while the job page polls
    expect(page.locator("body")).to_contain_text("Succeeded")
    assert Product.objects.filter(sku="HP-CF410A").exists()

    page.goto("/operations/feeds/")
    row = page.locator("#feeds tbody tr").first
    expect(row).to_contain_text("Succeeded")
    row.get_by_role("link", name="Etilize sample").click()
    runs = page.locator("#runs")
    expect(runs).to_contain_text("Succeeded")
    expect(runs.locator("tbody tr").first).to_contain_text("8")
