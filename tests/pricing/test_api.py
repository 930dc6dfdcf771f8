"""API of suppliers, components, prices, BOM lines, channel fees and a listing's costs (docs/pricing.md#api)."""

from decimal import Decimal

import pytest

from inventory.cost_models import BomLine, ComponentPrice, Supplier
from pricing.models import ChannelFee

pytestmark = pytest.mark.django_db


def _bom_via_api(api, product):
    supplier = api.post("/api/v1/suppliers/", {"name": "UK Fasteners", "code": "UKF"}, format="json")
    assert supplier.status_code == 201, supplier.json()
    component = api.post(
        "/api/v1/components/",
        {"name": "Screw", "sku": "SCR-1", "preferred_supplier": supplier.json()["id"]},
        format="json",
    )
    assert component.status_code == 201, component.json()
    price = api.post(
        "/api/v1/component-prices/",
        {
            "component": component.json()["id"],
            "supplier": supplier.json()["id"],
            "unit_cost": "0.79",
            "currency": "GBP",
            "valid_from": "2026-01-01",
            "import_duty_pct": "0",
            "shipping_cost": "0",
        },
        format="json",
    )
    assert price.status_code == 201, price.json()
    line = api.post(
        "/api/v1/bom-lines/",
        {"product": product.pk, "component": component.json()["id"], "quantity": "4"},
        format="json",
    )
    assert line.status_code == 201, line.json()
    return component.json()


def test_bom_to_listing_costs_worked_example(api, admin_api, make_listing):
    # given a USD listing at 20.00 whose product has a 4-screw BOM (0.79 GBP = 1.00 USD each)
    listing = make_listing()
    _bom_via_api(api, listing.product)
    fee = admin_api.post(
        "/api/v1/channel-fees/",
        {
            "channel": listing.channel_id,
            "referral_pct": "15",
            "referral_min": "0.30",
            "payment_pct": "3",
            "fixed_fee": "0.30",
            "fulfilment_fee": "0",
        },
        format="json",
    )
    assert fee.status_code == 201, fee.json()
    # when
    response = api.get(f"/api/v1/listings/{listing.pk}/costs/")
    # then landed 4 × 1.00 × 1.10 = 4.40; fees 3.00 + 0.60 + 0.30 = 3.90; margin 20 − 4.40 − 3.90 = 11.70
    assert response.status_code == 200
    body = response.json()
    assert (body["price"], body["landed_cost"], body["net_margin"], body["net_margin_pct"]) == (
        "20.00",
        "4.40",
        "11.70",
        "58.50",
    )
    assert body["fees"]["total"] == "3.90"
    assert body["fees"]["channel_fee"] == fee.json()["id"]
    assert body["below_floor"] is False
    line = body["breakdown"]["lines"][0]
    assert (line["component_name"], line["supplier"], line["original"], line["unit_source"]) == (
        "Screw",
        "UK Fasteners",
        "0.7900 GBP",
        "preferred supplier",
    )


def test_listing_costs_without_bom_uses_cost_price(api, make_listing, make_listable_product):
    listing = make_listing(product=make_listable_product(cost_price=Decimal("16.00")))
    body = api.get(f"/api/v1/listings/{listing.pk}/costs/").json()
    # no fee row: margin 20 − 16 = 4.00 = 20.00 % (not below a 20 % floor)
    assert (body["breakdown"]["source"], body["landed_cost"], body["net_margin_pct"]) == (
        "cost_price",
        "16.00",
        "20.00",
    )
    assert body["fees"]["total"] == "0.00"
    assert body["below_floor"] is False


def test_listing_costs_unknown_listing_is_404(api):
    assert api.get("/api/v1/listings/999999/costs/").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"unit_cost": "-1"}, "unit_cost"),
        ({"currency": "ZZZ"}, "currency"),
        ({"valid_from": "2026-05-02", "valid_to": "2026-05-01"}, "valid_to"),
        ({"shipping_cost": "-0.5"}, "shipping_cost"),
    ],
)
def test_bad_component_price_is_400_naming_the_field_case(api, body, field):
    supplier = Supplier.objects.create(name="S")
    component = api.post("/api/v1/components/", {"name": "Nut"}, format="json").json()
    data = {"component": component["id"], "supplier": supplier.pk, "unit_cost": "1.00", "currency": "USD"} | body
    response = api.post("/api/v1/component-prices/", data, format="json")
    assert response.status_code == 400, response.json()
    assert field in {error["field"] for error in response.json()["errors"]}
    assert ComponentPrice.objects.count() == 0


def test_bom_cycle_is_400_naming_component(api, make_listable_product):
    product = make_listable_product()
    itself = api.post("/api/v1/components/", {"name": "Self", "product": product.pk}, format="json").json()
    response = api.post(
        "/api/v1/bom-lines/", {"product": product.pk, "component": itself["id"], "quantity": "1"}, format="json"
    )
    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == ["component"]
    assert BomLine.objects.count() == 0


@pytest.mark.parametrize("floor", ["100", "150.5"])
def test_margin_floor_of_100_or_more_is_refused_case(admin_api, make_channel, floor):
    channel = make_channel("shopify")
    response = admin_api.post(
        "/api/v1/channel-fees/", {"channel": channel.pk, "margin_floor_pct": floor}, format="json"
    )
    assert response.status_code == 400
    assert "margin_floor_pct" in {error["field"] for error in response.json()["errors"]}
    assert ChannelFee.objects.count() == 0


def test_supplier_with_prices_cannot_be_deleted(api, make_listable_product):
    component = _bom_via_api(api, make_listable_product())
    supplier_id = component["preferred_supplier"]
    response = api.delete(f"/api/v1/suppliers/{supplier_id}/")
    assert response.status_code == 409
    assert Supplier.objects.filter(pk=supplier_id).exists()


def test_viewer_cannot_write_suppliers(viewer_api):
    assert viewer_api.post("/api/v1/suppliers/", {"name": "X"}, format="json").status_code == 403
    assert Supplier.objects.count() == 0
