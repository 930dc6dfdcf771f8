"""Browser flow (docs/pages.md#status-changer): the product page carries each listing's status changer; a move
made there comes back to the product page, and a move the state machine refuses is disabled with its reason."""

import pytest
from playwright.sync_api import expect

from listings.models import Listing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_move_a_listing_from_the_product_page(page, staff_login, make_listing, make_channel, make_listable_product):
    product = make_listable_product()
    blocked = make_listing(product=product, channel=make_channel("shopify", name="Shop A"), map_category=False)
    ready = make_listing(product=product, channel=make_channel("etsy", name="Shop B"))
    staff_login()
    page.goto(f"/catalog/products/{product.pk}/")
    row = page.locator(f"#listings tr[data-listing='{blocked.pk}']")
    # folded until asked for; nothing is preselected
    expect(row.locator(f"#id_to_status-{blocked.pk}")).to_be_hidden()
    row.locator("summary").click()
    select = row.locator(f"#id_to_status-{blocked.pk}")
    expect(select).to_be_visible()
    expect(select).to_have_value("")
    # Ready is off for the blocked draft, with the reason beside it; the ready draft may be marked Ready
    expect(select.locator("option[data-status=ready]")).to_be_disabled()
    expect(row.locator(f"#status-refusals-{blocked.pk} li[data-status=ready]")).to_contain_text(
        "Blocked until it can be published"
    )
    expect(page.locator(f"#id_to_status-{ready.pk} option[value=ready]")).to_have_count(1)
    select.select_option("paused")
    row.locator(f"#id_reason-{blocked.pk}").fill("season over")
    row.locator("button[type=submit]").click()
    page.wait_for_url(f"**/catalog/products/{product.pk}/#listings")
    expect(page.locator(".messages")).to_contain_text("Listing moved to Paused.")
    expect(page.locator(f"#listings tr[data-listing='{blocked.pk}'] .badge")).to_have_text("Paused")
    expect(page.locator(f"#listings tr[data-listing='{ready.pk}'] .badge")).to_have_text("Draft")
    blocked.refresh_from_db()
    assert (blocked.status, blocked.status_reason) == ("paused", "season over")
    assert Listing.objects.get(pk=ready.pk).status == "draft"
