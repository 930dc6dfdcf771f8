"""Browser flow: the grid's listings mode (docs/pages.md#bulk-price-and-stock-grid). Two listing prices typed with
the keyboard only (Enter moves down the column), saved as one changeset, then undone from the changesets page with
its confirmation."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from listings.models import Changeset, Listing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_two_listing_prices_typed_with_the_keyboard_saved_then_undone(page, staff_login, make_channel, make_listing):
    channel = make_channel("shopify", name="Shopify Grid")
    first, second = make_listing(channel=channel), make_listing(channel=channel)
    staff_login()

    page.goto("/listings/")
    page.click("#bulk-edit-link")
    expect(page.locator("h1")).to_have_text("Listing prices and stock")
    expect(page.locator(f"#row-l{first.pk} td.effective")).to_contain_text("20.00")
    page.focus(f'input[name="l{first.pk}-price"]')
    page.keyboard.type("31.50")
    page.keyboard.press("Enter")
    expect(page.locator(f'input[name="l{second.pk}-price"]')).to_be_focused()
    page.keyboard.type("32.75")
    page.keyboard.press("ArrowUp")
    expect(page.locator(f'input[name="l{first.pk}-price"]')).to_be_focused()
    page.click("#bulk-edit-save")

    expect(page.locator(".messages")).to_contain_text("Saved 2 row(s) as changeset #")
    expect(page.locator(f"#row-l{first.pk} td.effective")).to_contain_text("31.50")
    assert list(Listing.objects.order_by("pk").values_list("price", flat=True)) == [Decimal("31.50"), Decimal("32.75")]
    changeset = Changeset.objects.get()
    assert changeset.kind == "grid"

    page.goto("/listings/changesets/")
    row = page.locator(f"#changeset-{changeset.pk}")
    expect(row).to_contain_text("Price and stock grid")
    row.locator("summary").click()
    expect(row).to_contain_text(f"Put back the prices and stock changeset #{changeset.pk} changed?")
    row.locator(".undo-confirm").click()

    expect(page.locator(".messages")).to_contain_text(f"Changeset #{changeset.pk} undone: 2 item(s) restored.")
    expect(page.locator(f"#changeset-{changeset.pk}")).to_contain_text("Undone")
    assert list(Listing.objects.order_by("pk").values_list("price", flat=True)) == [None, None]
