"""Browser: upload photos -> live status (no reload by hand) -> manual review -> completed with a draft product."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from accounts.roles import INTAKE
from intake.models import IntakeItem
from tests.intake.photos import label_photo

from .conftest import PASSWORD, run_queue

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_upload_live_status_and_review(page, make_user, small_catalog):
    # given an intake user logged in through the form
    user = make_user("picker")
    user.set_password(PASSWORD)
    user.save()
    user.groups.add(Group.objects.get(name=INTAKE))
    page.goto("/accounts/login/")
    page.fill("#id_username", "picker")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    # when they upload a label photo without hints
    page.goto("/intake/new/")
    photo = label_photo(lines=("Brand: ACME", "Kettle KT-200", "1.7 L  Brand new, sealed"))
    page.set_input_files("#intake-photos", files=[{"name": "label.png", "mimeType": "image/png", "buffer": photo}])
    expect(page.locator("#intake-drop-count")).to_have_text("1 photo(s) chosen (at most 20).")
    page.click("#intake-upload-submit")
    page.wait_for_url("**/intake/*/")
    expect(page.locator("#intake-status")).to_have_text("Processing")
    # and the worker runs the photo check and the analysis
    run_queue()
    # then the page updates by itself: the item waits for a review, with the label text as evidence
    expect(page.locator("#intake-status")).to_have_text("Needs review", timeout=10_000)
    expect(page.locator('#intake-fields tr[data-field="brand"]')).to_contain_text("OCR “Brand: ACME”")
    expect(page.locator('#intake-photos [data-role="verdict"]')).to_have_text("ok")
    # when the reviewer corrects the name read from the label and confirms the rest
    expect(page.locator("#id_name")).to_have_value("ACME KT-200")
    page.fill("#id_name", "ACME electric kettle KT-200")
    page.select_option("#id_category", str(small_catalog["kitchen"].pk))
    page.click("#intake-review-submit")
    expect(page.locator("#intake-status")).to_have_text("Processing")
    expect(page.locator("#intake-confidence")).to_have_text("100")
    run_queue()
    # then the status turns completed live, with a link to the draft product
    expect(page.locator("#intake-status")).to_have_text("Completed", timeout=10_000)
    item = IntakeItem.objects.get()
    expect(page.locator("#intake-product")).to_have_text(item.product.sku)
    assert item.product.sku == f"INTAKE-{item.pk}"
    assert item.product.title.startswith("ACME electric kettle KT-200")  # + the evidenced size, by the SEO phase
    # and, on reload, the research sources and the SEO claims with links to their evidence
    page.reload()
    expect(page.locator("#intake-research")).to_contain_text("Sources: our catalog")
    expect(page.locator('[data-role="research-note"]')).to_have_text(
        "No active Amazon channel: researched in our own catalog only."
    )
    expect(page.locator("#intake-seo-bullets")).to_contain_text("Brand: ACME")
    page.click('#intake-seo-bullets a[href="#field-brand"]')
    expect(page.locator("#field-brand")).to_be_in_viewport()
