"""Issue 20, the phone: at 390 x 844 the staff pages fit the width (no sideways page scroll); wide tables
scroll inside their wrapper. Also checks the readable filters and the variant-SKU search in a real browser."""

import pytest

from catalog.services import variant_create
from syncing.models import SyncEvent, SyncJob

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
PAGES = [
    "/",
    "/catalog/products/",
    "/catalog/products/{product}/",
    "/catalog/products/{product}/edit/",
    "/catalog/products/new/",
    "/catalog/bulk-edit/",
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
    tab.fill("input[name=q]", "PHONE-SK-RED")
    tab.press("input[name=q]", "Enter")
    tab.wait_for_url("**q=PHONE-SK-RED**")
    assert "extraordinarilylong" in tab.content()
    tab.goto("/listings/")
    assert tab.locator("#id_has_error option:checked").inner_text() == "Any"
    assert tab.evaluate(OVERFLOW) <= 0
