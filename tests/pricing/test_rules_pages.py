"""The price rule list and editor with its preview (docs/pricing.md#price-rules)."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from pricing.models import PriceRule
from pricing.rule_services import price_rule_create

pytestmark = pytest.mark.django_db


def _form(**changes):
    data = {
        "name": "Beat",
        "description": "",
        "applies_to": "all",
        "scope_value": "",
        "rule_type": "competitor_beat",
        "config": json.dumps({"beat_by_amount": "0.50"}),
        "priority": "100",
        "is_active": "on",
        "competitor_price": "18.00",
        "action": "preview",
    }
    return data | changes


def test_rule_list(editor_client):
    price_rule_create(name="Weekday discount", rule_type="margin_floor", config={"min_margin_pct": 25})
    body = editor_client.get(reverse("pricing:rule_list")).content.decode()
    assert "Weekday discount" in body
    assert reverse("pricing:rule_create") in body


def test_editor_preview_saves_nothing_and_shows_rows(editor_client, make_listing, make_listable_product):
    listing = make_listing(product=make_listable_product(cost_price=Decimal("8.00")))
    response = editor_client.post(reverse("pricing:rule_create"), _form(q=listing.product.sku))
    body = response.content.decode()
    assert response.status_code == 200
    assert "lowest competitor landed 18.00 − 0.50 = 17.50" in body
    assert "No competitor history" in body
    assert "js/price_rules.js" in body
    assert "<script>" not in body
    assert not PriceRule.objects.exists()


def test_editor_refuses_bad_config_naming_the_field(editor_client):
    response = editor_client.post(
        reverse("pricing:rule_create"), _form(rule_type="inventory_based", config='{"price_change_pct": 5}')
    )
    assert response.status_code == 400
    assert "config.when_below" in response.content.decode()
    assert not PriceRule.objects.exists()


def test_editor_saves_and_updates(editor_client):
    response = editor_client.post(reverse("pricing:rule_create"), _form(action="save"))
    assert response.status_code == 302
    rule = PriceRule.objects.get()
    assert rule.config == {"beat_by_amount": "0.50"}
    editor_client.post(reverse("pricing:rule_update", kwargs={"pk": rule.pk}), _form(action="save", priority="7"))
    rule.refresh_from_db()
    assert rule.priority == 7
    assert editor_client.get(reverse("pricing:rule_update", kwargs={"pk": rule.pk})).status_code == 200


def test_viewer_cannot_open_the_editor(viewer_client):
    assert viewer_client.get(reverse("pricing:rule_create")).status_code == 403


def test_admin_pages(staff_client, make_listing):
    listing = make_listing()
    rule = price_rule_create(name="Floor", rule_type="margin_floor", config={"min_margin_pct": 25})
    assert staff_client.get(reverse("admin:pricing_pricerule_changelist")).status_code == 200
    assert staff_client.get(reverse("admin:pricing_pricechange_changelist")).status_code == 200
    response = staff_client.post(
        reverse("admin:pricing_listingpricelimits_add"),
        {"listing": listing.pk, "min_price": "5.00", "max_price": "30.00", "margin_floor_pct": ""},
    )
    assert response.status_code == 302
    limits = listing.price_limits
    assert (limits.min_price, limits.max_price) == (Decimal("5.00"), Decimal("30.00"))
    response = staff_client.post(
        reverse("admin:pricing_pricerule_change", args=[rule.pk]),
        {
            "name": "Floor",
            "description": "",
            "applies_to": "all",
            "scope_value": "",
            "rule_type": "margin_floor",
            "config": '{"min_margin_pct": 100}',
            "priority": "100",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "config.min_margin_pct" in response.content.decode()
