"""The phone: at 390 x 844 the staff pages fit the width (no sideways page scroll); wide tables
scroll inside their wrapper. Also checks the readable filters and the variant-SKU search in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from catalog.services import variant_create
from syncing.models import SyncEvent, SyncJob

from .conftest import PASSWORD, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
PAGES = [
    "/",
    "/catalog/products/",
    "/catalog/products/{product}/",
    "/catalog/products/{product}/edit/",
    "/catalog/products/new/",
    "/catalog/bulk-edit/",
    "/catalog/bulk-edit/?rows=listings",
    "/listings/",
    "/listings/matrix/",
    "/listings/{listing}/",
    "/channels/",
    "/channels/{channel}/",
    "/channels/new/",
    "/channels/new/?marketplace=shopee",
    "/sync/",
    "/sync/events/",
    "/sync/jobs/{job}/",
    "/imports/",
    "/orders/",
    "/orders/customers/",
    "/stock/",
    "/costs/components/",
    "/pricing/",
    "/analytics/",
    "/operations/",
    "/operations/logs/",
    "/accounts/audit/",
    "/accounts/users/",
    "/accounts/security/",
    "/intake/",
    "/stock/low/",
    "/costs/suppliers/",
    "/pricing/fees/",
    "/operations/health/",
    "/operations/feeds/",
    "/operations/backups/",
]
# document width beyond the viewport, in CSS pixels, on a page
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def phone(browser, live_server, make_user, make_listing, make_listable_product):
    from django.contrib.auth.models import Group

    user = make_user("phone-admin")
    user.set_password(PASSWORD)
    user.is_superuser = user.is_staff = True
    user.save()
    user.groups.add(*Group.objects.filter(name__in=["editor", "channel_manager"]))
    product = make_listable_product(title="Acme extraordinarilylongunbrokenproductnamewithoutanyspacesatall skirt")
    variant_create(product=product, sku="PHONE-SK-RED", options={"Colour": "Red"}, barcode="5901234123457")
    listing = make_listing(product=product)
    job = SyncJob.objects.create(channel=listing.channel, kind="push", total=1, failed=1)
    SyncEvent.objects.create(
        channel=listing.channel,
        listing=listing,
        job=job,
        operation="create",
        outcome="rejected",
        message="A long marketplace message " * 8,
        http_status=400,
        error_code="E_TITLE",
    )
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    tab.goto("/accounts/login/")
    tab.fill("#id_username", "phone-admin")
    tab.fill("#id_password", PASSWORD)
    tab.click("button[type=submit]")
    tab.wait_for_url("**/")
    ids = {"product": product.pk, "listing": listing.pk, "channel": listing.channel_id, "job": job.pk}
    yield tab, ids
    context.close()


def test_staff_pages_fit_a_390px_phone(phone):
    tab, ids = phone
    too_wide = {}
    for template in PAGES:
        url = template.format(**ids)
        response = tab.goto(url)
        assert response is not None
        assert response.status < 500, url
        overflow = tab.evaluate(OVERFLOW)
        if overflow > 0:
            too_wide[url] = overflow
    assert too_wide == {}


def test_search_and_filters_on_the_phone(phone):
    tab, _ids = phone
    tab.goto("/catalog/products/")
    tab.click(".filters-toggle")
    tab.fill("input[name=q]", "PHONE-SK-RED")
    tab.press("input[name=q]", "Enter")
    tab.wait_for_url("**q=PHONE-SK-RED**")
    assert "extraordinarilylong" in tab.content()
    tab.goto("/listings/")
    tab.click(".filters-toggle")
    assert tab.locator("#id_has_error option:checked").inner_text() == "Any"
    assert tab.evaluate(OVERFLOW) <= 0


# document width beyond the window, as a phone user would scroll it sideways
SIDEWAYS = "() => document.scrollingElement.scrollWidth - window.innerWidth"


def test_the_menu_button_folds_the_navigation(phone):
    tab, _ids = phone
    tab.goto("/catalog/products/")
    nav, button = tab.locator("#mainnav"), tab.locator("#menu-toggle")
    # folded: only the button shows, and the page does not scroll sideways
    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    assert tab.evaluate(SIDEWAYS) <= 0
    # opened: every section is one tap away, still within the width
    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(nav).to_be_visible()
    expect(nav.get_by_role("link", name="Listings")).to_be_visible()
    expect(tab.locator(".logout button")).to_be_visible()
    assert tab.evaluate(SIDEWAYS) <= 0
    nav.get_by_role("link", name="Listings").click()
    tab.wait_for_url("**/listings/")
    expect(tab.locator("#mainnav")).to_be_hidden()  # a new page starts folded
    # Escape folds it again
    tab.locator("#menu-toggle").click()
    expect(tab.locator("#mainnav")).to_be_visible()
    tab.keyboard.press("Escape")
    expect(tab.locator("#mainnav")).to_be_hidden()
    expect(tab.locator("#menu-toggle")).to_have_attribute("aria-expanded", "false")


@pytest.mark.parametrize(
    ("url", "table", "price"),
    [("/catalog/products/", "#product-cards", "20.00 USD"), ("/listings/", "#listing-table", "20.00 USD")],
    ids=["products_case", "listings_case"],
)
def test_lists_are_cards_on_the_phone(phone, url, table, price):
    tab, _ids = phone
    tab.goto(url)
    cards = tab.locator(f"{table} tbody tr")
    expect(cards).to_have_count(1)
    card = cards.first
    # a card, not a table row: no header row, the row is a grid box that fits the screen
    expect(tab.locator(f"{table} thead")).to_be_hidden()
    assert card.evaluate("row => getComputedStyle(row).display") == "grid"
    box = card.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 390
    # SKU, title, price, stock and status, each readable
    expect(card.locator(".card-sku a")).to_have_text(re.compile(r"^LIST-\d{5}$"))
    expect(card.locator(".card-title")).to_contain_text("extraordinarilylong")
    expect(card.locator(".card-price")).to_have_text(price)
    expect(card.locator(".card-stock")).to_have_text(re.compile(r"^\d+$"))
    # each value is labelled (the cell's label is drawn before it by the stylesheet)
    label = "cell => getComputedStyle(cell, '::before').content"
    assert card.locator(".card-price").evaluate(label) == '"Price: "'
    assert card.locator(".card-stock").evaluate(label) == '"Stock: "'
    screenshot(tab, f"phone-{url.strip('/').split('/')[-1]}")
    expect(card.locator(".card-status .badge")).to_be_visible()
    expect(card.locator(".card-hide").first).to_be_hidden()
    assert tab.evaluate(SIDEWAYS) <= 0


def test_filters_fold_behind_a_toggle_that_counts_them(phone):
    tab, _ids = phone
    tab.goto("/catalog/products/?q=acme&status=active")
    toggle = tab.locator(".filters-toggle")
    expect(toggle).to_have_text("Filters (2)")
    expect(tab.locator("form.filters")).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(tab.locator("form.filters input[name=q]")).to_have_value("acme")
    assert tab.evaluate(SIDEWAYS) <= 0


def test_wide_screens_keep_the_table_and_the_open_navigation(page, staff_login):
    staff_login()
    page.goto("/catalog/products/")
    expect(page.locator("#menu-toggle")).to_be_hidden()
    expect(page.locator("#mainnav")).to_be_visible()
    expect(page.locator("#product-cards thead")).to_be_visible()
    expect(page.locator(".filters-toggle")).to_be_hidden()
    expect(page.locator("form.filters")).to_be_visible()
