"""Browser flow: undo a bulk publish from the changesets page. The confirmation step says what will happen (which
listings are delisted, which are left), Cancel changes nothing, and the confirmed undo delists them on the
sandbox's Shopify (docs/catalog.md#undoing-publishes-and-assignments)."""

import pytest
from playwright.sync_api import expect

from listings.models import Changeset, Listing
from syncing.services import listings_publish_grouped

from .conftest import run_queue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_undo_of_a_bulk_publish_confirms_then_delists(page, staff_login, make_sandbox_channel, make_listing, sandbox):
    shop = make_sandbox_channel("shopify", name="Shopify US")
    first, second = make_listing(channel=shop), make_listing(channel=shop)
    listings_publish_grouped(listings=list(Listing.objects.select_related("channel")))
    run_queue()
    assert set(Listing.objects.values_list("status", flat=True)) == {"live"}
    changeset = Changeset.objects.get(kind="bulk_publish")
    staff_login()

    page.goto("/listings/changesets/")
    page.locator(f"#changeset-{changeset.pk} .undo-review").click()
    expect(page.locator("#undo-summary")).to_have_text(
        "Undo delists 2 listing(s) this bulk publish put on their marketplaces."
    )
    targets = page.locator("#undo-targets li")
    expect(targets).to_have_text([f"{first.product.sku} on Shopify US", f"{second.product.sku} on Shopify US"])
    page.click("text=Cancel")
    expect(page.locator(f"#changeset-{changeset.pk}")).to_contain_text("Applied")
    assert set(Listing.objects.values_list("status", flat=True)) == {"live"}

    page.locator(f"#changeset-{changeset.pk} .undo-review").click()
    page.click("#undo-confirm")

    expect(page.locator(".messages")).to_contain_text(f"Changeset #{changeset.pk} undone: delisting 2 listing(s)")
    expect(page.locator(f"#changeset-{changeset.pk}")).to_contain_text("Undone")
    run_queue()
    assert set(Listing.objects.values_list("status", flat=True)) == {"delisted"}
    assert [item["status"] != "ACTIVE" for item in sandbox.items("shopify")] == [True, True]
