"""Supplier, component, price and BOM pages, the pricing table and the listing page's costs (docs/pricing.md#pages)."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from inventory.cost_models import BomLine, Component, ComponentPrice, Supplier
from inventory.cost_services import (
    bom_line_create,
    component_create,
    component_price_create,
    landed_costs_recompute,
    supplier_create,
)
from pricing.services import channel_fee_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def costed_listing(make_listing, make_listable_product):
    """A USD listing at 20.00 whose product's BOM is 4 screws at 1.00 USD (landed 4.40)."""
    listing = make_listing(product=make_listable_product())
    supplier = supplier_create(name="US Parts", code="USP", country="US")
    screw = component_create(name="Screw", preferred_supplier=supplier)
    component_price_create(
        component=screw, supplier=supplier, unit_cost=Decimal("1.00"), currency="USD", valid_from=date(2026, 1, 1)
    )
    bom_line_create(product=listing.product, component=screw, quantity=Decimal("4"))
    landed_costs_recompute(product_ids=[listing.product_id])
    return listing


def test_supplier_create_page(editor_client):
    response = editor_client.post(reverse("costs:supplier_create"), {"name": "Page Supplier", "country": "GB"})
    supplier = Supplier.objects.get(name="Page Supplier")
    assert response.status_code == 302
    assert response["Location"] == reverse("costs:supplier_detail", kwargs={"pk": supplier.pk})


def test_price_form_shows_field_errors_and_saves_nothing(editor_client):
    supplier = supplier_create(name="S")
    component = component_create(name="Nut")
    response = editor_client.post(
        reverse("costs:price_create", kwargs={"component_pk": component.pk}),
        {
            "supplier": supplier.pk,
            "unit_cost": "-1",
            "currency": "CHF",
            "min_quantity": "1",
            "valid_from": "2026-05-02",
            "valid_to": "2026-05-01",
            "import_duty_pct": "0",
            "shipping_cost": "0",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "No exchange rate for &#x27;CHF&#x27;" in body
    assert "valid_to 2026-05-01 is before valid_from 2026-05-02." in body
    assert ComponentPrice.objects.count() == 0


def test_bom_page_adds_a_line_and_shows_the_landed_cost(editor_client, costed_listing):
    product = costed_listing.product
    box = component_create(name="Box")
    url = reverse("costs:product_bom", kwargs={"pk": product.pk})
    response = editor_client.post(url, {"action": "add", "component": box.pk, "quantity": "1", "cost_override": "0.60"})
    assert response.status_code == 302
    body = editor_client.get(url).content.decode()
    # (4 × 1.00 + 0.60) × 1.10 = 5.06
    assert "5.06 USD" in body
    assert f"#{ComponentPrice.objects.get().pk} US Parts" in body


def test_bom_page_refuses_a_cycle_next_to_the_component(editor_client, costed_listing):
    product = costed_listing.product
    itself = component_create(name="Itself", product=product)
    response = editor_client.post(
        reverse("costs:product_bom", kwargs={"pk": product.pk}),
        {"action": "add", "component": itself.pk, "quantity": "1"},
    )
    assert response.status_code == 400
    assert "BOM cycle" in response.content.decode()
    assert BomLine.objects.filter(component=itself).count() == 0


def test_viewer_cannot_post_to_the_bom_page(viewer_client, costed_listing):
    line = BomLine.objects.get()
    response = viewer_client.post(
        reverse("costs:product_bom", kwargs={"pk": costed_listing.product_id}), {"action": "delete", "line": line.pk}
    )
    assert response.status_code == 403
    assert BomLine.objects.filter(pk=line.pk).exists()


def test_pricing_table_colours_and_filters_below_floor(viewer_client, costed_listing, make_listing):
    # given one listing at 58.50 % (no fees) → above the 20 % floor, and one without cost → unknown
    channel_fee_create(channel=costed_listing.channel, referral_pct=Decimal("15"), payment_pct=Decimal("3"))
    other = make_listing(channel=costed_listing.channel)
    # when
    all_rows = viewer_client.get(reverse("pricing:pricing_table")).content.decode()
    below = viewer_client.get(reverse("pricing:pricing_table") + "?below_floor=on").content.decode()
    # then margin = 20 − 4.40 − 3.60 = 12.00 = 60.00 %
    assert 'data-margin-pct="60.00"' in all_rows
    assert "status-active" in all_rows
    assert 'data-margin-pct="60.00"' not in below
    assert other.product.sku in below


def test_pricing_table_below_floor_shows_a_red_margin(viewer_client, costed_listing):
    channel_fee_create(channel=costed_listing.channel, fulfilment_fee=Decimal("12.00"))
    body = viewer_client.get(reverse("pricing:pricing_table") + "?below_floor=on").content.decode()
    # 20 − 4.40 − 12.00 = 3.60 = 18.00 % < 20 %
    assert 'class="badge status-error" data-margin-pct="18.00"' in body


def test_listing_page_shows_the_whole_calculation(viewer_client, costed_listing):
    body = viewer_client.get(reverse("listings:listing_detail", kwargs={"pk": costed_listing.pk})).content.decode()
    assert 'id="listing-costs"' in body
    assert "20.00 − 4.40 − 0.00 = <strong data-net-margin>15.60</strong> USD" in body


@pytest.mark.parametrize(
    "name",
    ["costs:supplier_list", "costs:component_list", "costs:alert_list", "pricing:pricing_table", "pricing:fee_list"],
)
def test_list_pages_render_for_a_viewer_without_write_links_case(viewer_client, costed_listing, name):
    response = viewer_client.get(reverse(name))
    assert response.status_code == 200
    assert "/new/" not in response.content.decode()


def test_detail_pages_render(viewer_client, costed_listing):
    component = Component.objects.get()
    assert viewer_client.get(reverse("costs:component_detail", kwargs={"pk": component.pk})).status_code == 200
    supplier = Supplier.objects.get()
    assert viewer_client.get(reverse("costs:supplier_detail", kwargs={"pk": supplier.pk})).status_code == 200


def test_fee_form_refuses_a_floor_of_100(channel_manager_client, channel):
    response = channel_manager_client.post(
        reverse("pricing:fee_create"),
        {
            "channel": channel.pk,
            "referral_pct": "0",
            "referral_min": "0",
            "payment_pct": "0",
            "fixed_fee": "0",
            "fulfilment_fee": "0",
            "tax_rate": "0",
            "margin_floor_pct": "100",
        },
    )
    assert response.status_code == 400
    assert "A margin floor must be at least 0 and below 100 % (got 100)." in response.content.decode()
