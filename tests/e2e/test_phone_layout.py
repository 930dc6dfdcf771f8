"""The phone: at 390 x 844 the staff pages fit the width (no sideways page scroll); wide tables
scroll inside their wrapper. Also checks the readable filters and the variant-SKU search in a real browser."""

import re

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from .conftest import PASSWORD, screenshot
from .staff_pages import page_urls, seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
# document width beyond the viewport, in CSS pixels, on a page
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


# elements, and runs of text, reaching past the viewport outside a box meant to scroll (overflow-x auto, scroll
# or hidden: a wide table inside .table-wrap); each named by tag, id and classes, at most five
WIDE_ELEMENTS = """() => {
  const limit = document.documentElement.clientWidth + 1;
  const scrolls = (el) => ['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(el).overflowX);
  const clipped = (el) => {
    while (el && el !== document.body && !scrolls(el)) el = el.parentElement;
    return el && el !== document.body;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.classList.length ? '.' + [...el.classList].join('.') : '');
  const past = (box) => box.width > 0 && box.height > 0 && (box.right > limit || box.left < -1);
  const found = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (past(box) && !clipped(el.parentElement)) {
      found.push(`${name(el)} ${Math.round(box.left)}..${Math.round(box.right)}`);
    }
    if (found.length === 5) return found;
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  while (walker.nextNode() && found.length < 5) {
    const text = walker.currentNode;
    if (!text.data.trim()) continue;
    range.selectNodeContents(text);
    const box = range.getBoundingClientRect();
    if (past(box) && !clipped(text.parentElement)) {
      found.push(`text of ${name(text.parentElement)} ..${Math.round(box.right)}`);
    }
  }
  return found;
}"""


@pytest.fixture
def phone(browser, live_server, make_user, make_listing, make_listable_product):
    from django.contrib.auth.models import Group
    from django.contrib.auth.tokens import default_token_generator

    user = make_user("phone-admin")
    user.set_password(PASSWORD)
    user.is_superuser = user.is_staff = True
    user.save()
    user.groups.add(*Group.objects.filter(name__in=["editor", "channel_manager"]))
    objects = seed(user=user, make_listing=make_listing, make_listable_product=make_listable_product)
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    tab.goto("/accounts/login/")
    tab.fill("#id_username", "phone-admin")
    tab.fill("#id_password", PASSWORD)
    tab.click("button[type=submit]")
    tab.wait_for_url("**/")
    user.refresh_from_db()  # the reset token hashes the last login, which the login just moved
    objects["reset_token"] = default_token_generator.make_token(user)
    yield tab, objects
    context.close()


@pytest.mark.slow
def test_every_staff_page_fits_a_390px_phone(phone):
    """Every page of the URL table (tests/e2e/staff_pages.py) answers 200 without a traceback, does not scroll
    sideways and has no element wider than the screen outside a scrolling box."""
    tab, objects = phone
    problems = {}
    for url in page_urls(objects):
        try:
            response = tab.goto(url, wait_until="domcontentloaded")
        except PlaywrightError as error:  # Chromium refuses some empty error answers (a 405 without a body)
            problems[url] = [str(error).splitlines()[0]]
            continue
        assert response is not None, url
        found = []
        if response.status != 200:
            found.append(f"HTTP {response.status}")
        if "Traceback" in tab.content():
            found.append("traceback")
        overflow = tab.evaluate(OVERFLOW)
        if overflow > 1:
            found.append(f"document {overflow}px too wide")
        found += tab.evaluate(WIDE_ELEMENTS)
        if found:
            problems[url] = found
    assert problems == {}, "\n".join(f"{url}: {'; '.join(found)}" for url, found in problems.items())


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


# docs/pages.md#newer-pages: (screenshot name, url template filled from the seeded objects, width)
SCREENSHOTS = [
    ("orders", "/orders/", 1360),
    ("order-detail", "/orders/{order}/", 1360),
    ("stock-ledger", "/stock/{stock}/", 1360),
    ("costs-component", "/costs/components/{component}/", 1360),
    ("margins", "/pricing/", 1360),
    ("price-rules", "/pricing/rules/", 1360),
    ("competitors", "/competitors/{competitor}/", 1360),
    ("tasks-board", "/tasks/board/", 1360),
    ("intake", "/intake/", 1360),
    ("operations-feeds", "/operations/feeds/", 1360),
    ("operations-jobs", "/operations/", 1360),
    ("operations-logs", "/operations/logs/", 1360),
    ("listing-score", "/listings/{listing}/#listing-score", 1360),
    ("keywords", "/analytics/listings/{listing}/keywords/", 1360),
    ("changesets", "/listings/changesets/", 1360),
    ("phone-order", "/orders/{order}/", 390),
    ("phone-tasks-board", "/tasks/board/", 390),
    ("phone-stock-ledger", "/stock/{stock}/", 390),
]


def test_screenshots_of_the_newer_pages(phone):
    """Refreshes the screenshots docs/pages.md shows of the newer pages, at 1360 px and on the phone."""
    from analytics.services.keywords import keyword_add
    from analytics.services.scores import scores_recompute
    from listings.models import Listing

    tab, objects = phone
    listing = Listing.objects.get(pk=objects["listing"])
    for word in ("acme skirt", "summer skirt", "red skirt"):
        keyword_add(listing=listing, keyword=word)
    assert scores_recompute([listing.pk]) == 1
    for name, template, width in SCREENSHOTS:
        tab.set_viewport_size({"width": width, "height": 900 if width > 390 else 844})
        response = tab.goto(template.format(**objects))
        assert response is not None, name
        assert response.status == 200, name
        if "#" in template:
            tab.locator(f"#{template.split('#')[1]}").scroll_into_view_if_needed()
        screenshot(tab, name)
        assert tab.evaluate(OVERFLOW) <= 1, name


def test_the_width_check_flags_what_sticks_out_but_not_a_scrolling_table(browser):
    context = browser.new_context(viewport=PHONE)
    tab = context.new_page()
    wide = '<table style="width:900px"><tr><td>wide</td></tr></table>'
    tab.set_content(f'<div class="table-wrap" style="overflow-x:auto">{wide}</div><p>fits</p>')
    assert tab.evaluate(WIDE_ELEMENTS) == []
    assert tab.evaluate(OVERFLOW) <= 0
    tab.set_content(f'<div id="box">{wide}</div>')
    assert tab.evaluate(WIDE_ELEMENTS)[0].startswith("table 8..908")
    assert tab.evaluate(OVERFLOW) > 0
    tab.set_content(f'<p style="white-space:nowrap">{"word " * 200}</p>')
    assert tab.evaluate(WIDE_ELEMENTS)[0].startswith("text of p ..")
    context.close()
