"""Stored margins per listing (docs/pricing.md#stored-margins): kept current by the pricing services when a price,
a cost, a fee row or a landed cost changes (in bulk statements), sortable and filterable on the pricing table and
in the API, read-only in the admin."""

from datetime import date
from decimal import Decimal
from unittest import mock

import openpyxl
import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.setting_services import runtime_setting_set
from catalog.importing.services import import_file
from catalog.services import category_create, product_update
from channels.services import channel_update
from inventory.cost_services import (
    bom_line_create,
    component_create,
    component_price_create,
    component_price_update,
    currency_rate_set,
    landed_costs_recompute,
    supplier_create,
)
from listings.services import listing_update
from pricing.history_tasks import listing_margins_refresh_task
from pricing.models import ListingMargin
from pricing.selectors import listings_margins
from pricing.services import channel_fee_create, channel_fee_delete, channel_fee_update, listing_margins_refresh

pytestmark = pytest.mark.django_db

D = Decimal


def _margin(listing):
    return ListingMargin.objects.get(listing=listing)


def _pct(listing):
    return _margin(listing).net_margin_pct


@pytest.fixture
def costed(make_listing, make_listable_product):
    """A listing at 20.00 of a product whose cost_price is 8.00 (no BOM), on a channel without fees."""
    return make_listing(product=make_listable_product(cost_price=D("8.00")))


def test_a_new_listing_stores_the_margin_the_pages_compute(costed):
    # 20.00 − 8.00 = 12.00 = 60.00 %, at the default 20 % floor
    row = _margin(costed)
    (live,) = listings_margins([costed])
    assert (row.price, row.landed_cost, row.fees, row.net_margin, row.net_margin_pct) == (
        D("20.00"),
        D("8.00"),
        D("0.00"),
        D("12.00"),
        D("60.00"),
    )
    assert live.margin is not None
    assert (row.net_margin, row.net_margin_pct) == (
        live.margin.net_margin,
        live.margin.net_margin_pct,
    )
    assert (row.floor_pct, row.below_floor) == (D("20"), False)


def test_a_listing_without_cost_is_stored_as_unknown_and_below_floor(make_listing):
    row = _margin(make_listing())
    assert (row.landed_cost, row.net_margin, row.net_margin_pct, row.below_floor) == (None, None, None, True)


def test_price_override_and_cost_price_changes_follow(costed):
    listing_update(listing=costed, price=D("10.00"))
    assert (_margin(costed).net_margin, _pct(costed)) == (D("2.00"), D("20.00"))
    product_update(product=costed.product, cost_price=D("9.00"))  # no price moved: the cost alone
    row = _margin(costed)
    assert (row.net_margin, row.net_margin_pct, row.below_floor) == (D("1.00"), D("10.00"), True)


def test_fee_rows_created_changed_and_deleted_follow(costed):
    fee = channel_fee_create(channel=costed.channel, referral_pct=D("15"), fixed_fee=D("0.50"))
    # 20 − 8 − 3.00 − 0.50 = 8.50 = 42.50 %
    assert (_margin(costed).fees, _pct(costed)) == (D("3.50"), D("42.50"))
    channel_fee_update(fee=fee, margin_floor_pct=D("50"))
    assert (_margin(costed).floor_pct, _margin(costed).below_floor) == (D("50.00"), True)
    channel_fee_delete(fee=fee)
    assert (_pct(costed), _margin(costed).below_floor) == (D("60.00"), False)


def test_a_fee_change_over_many_listings_is_queued_in_chunks(costed, make_listing, settings):
    settings.PRICE_HISTORY_INLINE_MAX = 1
    other = make_listing(channel=costed.channel)
    with mock.patch("pricing.services.enqueue") as enqueue:
        channel_fee_create(channel=costed.channel, fixed_fee=D("2.00"))
    assert _pct(costed) == D("60.00")  # not yet
    (call,) = enqueue.call_args_list
    assert call.args == (listing_margins_refresh_task, sorted([costed.pk, other.pk]))
    listing_margins_refresh_task(*call.args[1:])
    assert _pct(costed) == D("50.00")  # 20 − 8 − 2 = 10


def test_a_landed_cost_recompute_follows(costed):
    supplier = supplier_create(name="US Parts", code="USP", country="US")
    screw = component_create(name="Screw", preferred_supplier=supplier)
    price = component_price_create(
        component=screw, supplier=supplier, unit_cost=D("1.00"), currency="USD", valid_from=date(2026, 1, 1)
    )
    bom_line_create(product=costed.product, component=screw, quantity=D("4"))
    landed_costs_recompute(product_ids=[costed.product_id])
    # landed (4 × 1.00) × 1.10 = 4.40 → 20 − 4.40 = 15.60 = 78.00 %
    assert (_margin(costed).landed_cost, _pct(costed)) == (D("4.40"), D("78.00"))
    component_price_update(price=price, unit_cost=D("2.00"))
    landed_costs_recompute(component_ids=[screw.pk])
    assert (_margin(costed).landed_cost, _pct(costed)) == (D("8.80"), D("56.00"))


def _margin_statements(action):
    with CaptureQueriesContext(connection) as queries:
        action()
    return len([q for q in queries.captured_queries if "pricing_listingmargin" in q["sql"]])


def test_a_bulk_markup_change_updates_every_margin_in_one_statement(make_listing, make_channel, make_listable_product):
    # given two channels with 1 and 5 listings of products costing 8.00
    small, big = make_channel("shopify"), make_channel("etsy")
    make_listing(product=make_listable_product(cost_price=D("8.00")), channel=small)
    listings = [make_listing(product=make_listable_product(cost_price=D("8.00")), channel=big) for _ in range(5)]

    # when each channel adds 25 %: the margins are written by as many statements for 5 listings as for 1
    one = _margin_statements(lambda: channel_update(channel=small, price_adjust_type="percent", price_adjust_value=25))
    five = _margin_statements(lambda: channel_update(channel=big, price_adjust_type="percent", price_adjust_value=25))
    assert one == five == 1

    # then all five are at 25.00: 25 − 8 = 17 = 68.00 %
    assert [(_margin(x).price, _pct(x)) for x in listings] == [(D("25.00"), D("68.00"))] * 5


def test_the_database_refuses_an_inconsistent_row(costed):
    row = _margin(costed)
    with pytest.raises(IntegrityError), transaction.atomic():
        ListingMargin.objects.filter(pk=row.pk).update(floor_pct=D("100"))
    with pytest.raises(IntegrityError), transaction.atomic():
        ListingMargin.objects.filter(pk=row.pk).update(net_margin=None, below_floor=False)


def test_refresh_all_command_fills_missing_rows(costed, make_listing):
    other = make_listing()
    ListingMargin.objects.all().delete()
    call_command("refresh_margins", stdout=mock.MagicMock())
    assert set(ListingMargin.objects.values_list("listing_id", flat=True)) == {costed.pk, other.pk}


# --- The pricing table ---


def _skus_in_order(body, listings):
    found = [(body.index(x.product.sku), x) for x in listings if x.product.sku in body]
    return [x for _, x in sorted(found, key=lambda pair: pair[0])]


def test_pricing_table_sorts_and_filters_on_stored_margins(viewer_client, margin_listings):
    high, low, unknown = margin_listings
    url = reverse("pricing:pricing_table")
    ascending = viewer_client.get(url + "?sort=margin").content.decode()
    descending = viewer_client.get(url + "?sort=-margin").content.decode()
    below = viewer_client.get(url + "?below_floor=on").content.decode()
    ranged = viewer_client.get(url + "?margin_min=5&margin_max=50").content.decode()
    assert _skus_in_order(ascending, margin_listings) == [unknown, low, high]
    assert _skus_in_order(descending, margin_listings) == [high, low, unknown]
    assert _skus_in_order(below, margin_listings) == [unknown, low]
    assert _skus_in_order(ranged, margin_listings) == [low]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("margin_min=60&margin_max=5", "Margin % to (5) is below Margin % from (60)."),
        ("margin_min=abc", "Enter a number."),
        ("sort=price", "Select a valid choice. price is not one of the available choices."),
    ],
)
def test_pricing_table_refuses_bad_filters_next_to_the_field(viewer_client, margin_listings, query, message):
    response = viewer_client.get(reverse("pricing:pricing_table") + "?" + query)
    body = response.content.decode()
    assert response.status_code == 200
    assert message in body
    assert not _skus_in_order(body, margin_listings)


def test_pricing_table_query_count_does_not_grow_with_rows(
    viewer_client, margin_listings, make_listing, make_listable_product, channel
):
    url = reverse("pricing:pricing_table") + "?sort=-margin&below_floor=on"
    with CaptureQueriesContext(connection) as before:
        viewer_client.get(url)
    for _ in range(4):
        make_listing(product=make_listable_product(cost_price=D("19.00")), channel=channel)
    with CaptureQueriesContext(connection) as after:
        viewer_client.get(url)
    assert len(after.captured_queries) == len(before.captured_queries)


# --- API and admin ---


def test_api_lists_filters_and_orders_margins(api, margin_listings):
    high, low, unknown = margin_listings
    rows = api.get("/api/v1/listing-margins/?ordering=-net_margin_pct").json()["results"]
    assert [r["listing"] for r in rows][:2] == [high.pk, low.pk]
    assert rows[0]["net_margin_pct"] == "60.00"
    assert rows[0]["channel"] == high.channel_id
    below = api.get("/api/v1/listing-margins/?below_floor=true&ordering=listing").json()["results"]
    assert [r["listing"] for r in below] == [low.pk, unknown.pk]
    ranged = api.get("/api/v1/listing-margins/?margin_min=5&margin_max=50").json()["results"]
    assert [r["listing"] for r in ranged] == [low.pk]


@pytest.mark.parametrize(
    ("query", "field"),
    [("margin_min=abc", "margin_min"), ("ordering=price", "ordering"), ("margin_min=9&margin_max=1", "margin_max")],
)
def test_api_refuses_bad_filters_naming_the_field(api, margin_listings, query, field):
    response = api.get(f"/api/v1/listing-margins/?{query}")
    assert response.status_code == 400
    assert field in str(response.json())


def test_api_refresh_recomputes_and_refuses_unknown_ids(api, margin_listings):
    high = margin_listings[0]
    ListingMargin.objects.filter(listing=high).update(net_margin=D("1.00"), computed_at=timezone.now())
    bad = api.post("/api/v1/listing-margins/refresh/", {"listings": [high.pk, 999_999]}, format="json")
    assert bad.status_code == 400, bad.json()
    assert "listings" in str(bad.json())
    assert "999999" in str(bad.json())
    assert _margin(high).net_margin == D("1.00")  # nothing done
    empty = api.post("/api/v1/listing-margins/refresh/", {"listings": []}, format="json")
    assert empty.status_code == 400
    assert "listings" in empty.json().__str__()
    huge = api.post("/api/v1/listing-margins/refresh/", {"listings": [2**70]}, format="json")
    assert huge.status_code == 400
    assert api.get(f"/api/v1/listing-margins/?listing={2**70}").status_code == 400
    ok = api.post("/api/v1/listing-margins/refresh/", {"listings": [high.pk]}, format="json")
    assert ok.json() == {"refreshed": 1}
    assert _margin(high).net_margin == D("12.00")


def test_the_schema_documents_the_margins_endpoint(anon_api):
    schema = anon_api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/listing-margins/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"channel", "below_floor", "margin_min", "ordering"}
    assert "/api/v1/listing-margins/refresh/" in schema["paths"]


def test_the_admin_lists_margins_read_only_and_recomputes(staff_client, margin_listings):
    high = margin_listings[0]
    response = staff_client.get("/admin/pricing/listingmargin/?below_floor__exact=0")
    assert response.status_code == 200
    assert b"60.00" in response.content
    assert staff_client.get("/admin/pricing/listingmargin/add/").status_code == 403
    ListingMargin.objects.filter(listing=high).update(net_margin=D("1.00"))
    row = _margin(high)
    staff_client.post(
        "/admin/pricing/listingmargin/", {"action": "recompute", "_selected_action": [row.pk]}, follow=True
    )
    assert listing_margins_refresh(listing_ids=[]) == 0
    assert _margin(high).net_margin == D("12.00")


# --- Inputs that move a margin without moving a price (docs/pricing.md#stored-margins) ---


def test_a_category_change_picks_the_new_categorys_fee_row(costed):
    # given a fee row of 10 % for another category on the listing's channel
    other = category_create(name="Fee category")
    channel_fee_create(channel=costed.channel, category=other, referral_pct=D("10"))
    assert _margin(costed).fees == D("0.00")

    # when the product moves into that category: 20 − 8 − 2.00 = 10.00 = 50.00 %
    product_update(product=costed.product, category=other)
    assert (_margin(costed).fees, _pct(costed)) == (D("2.00"), D("50.00"))


def test_an_import_that_writes_only_the_cost_price_moves_the_margin(costed, tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.title = "Products"
    workbook.active.append(["sku", "cost_price"])
    workbook.active.append([costed.product.sku, "15.00"])
    workbook.save(tmp_path / "costs.xlsx")

    batch = import_file(path=tmp_path / "costs.xlsx", on_error="skip-rows")

    assert batch.updated_count == 1
    # 20 − 15 = 5.00 = 25.00 % (it was 60.00 % until the nightly refresh)
    assert (_margin(costed).landed_cost, _pct(costed)) == (D("15.00"), D("25.00"))


def test_an_exchange_rate_change_moves_the_margins_that_convert_with_it(
    make_listing, make_channel, make_listable_product
):
    # given a product costing 8.00 USD listed on a EUR channel and on a USD channel
    eur = make_listing(
        product=make_listable_product(cost_price=D("8.00")), channel=make_channel("shopify", currency="EUR")
    )
    usd = make_listing(product=make_listable_product(cost_price=D("8.00")))
    currency_rate_set(currency="USD", rate=D("1"))
    before_usd = _margin(usd).computed_at

    # when one USD buys 0.5 EUR: the EUR listing's landed cost is 4.00 EUR
    currency_rate_set(currency="EUR", rate=D("0.5"))

    assert _margin(eur).landed_cost == D("4.00")
    assert _margin(usd).computed_at == before_usd  # a USD-only listing is not touched


def test_a_new_default_floor_moves_below_floor(costed):
    assert (_margin(costed).floor_pct, _margin(costed).below_floor) == (D("20"), False)  # 60 % against 20 %

    runtime_setting_set(key="pricing.default_margin_floor", raw_value="70")

    assert (_margin(costed).floor_pct, _margin(costed).below_floor) == (D("70"), True)


def test_a_new_default_floor_over_many_listings_is_queued(costed, settings):
    settings.PRICE_HISTORY_INLINE_MAX = 0
    with mock.patch("pricing.services.enqueue") as enqueue:
        runtime_setting_set(key="pricing.default_margin_floor", raw_value="70")
    (call,) = enqueue.call_args_list
    assert call.args == (listing_margins_refresh_task, [costed.pk])
    assert _margin(costed).below_floor is False  # not yet: the task does it
